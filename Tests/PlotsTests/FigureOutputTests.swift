import Foundation
import TestSupport
import Plots
import Testing

@Suite struct FigureOutputTests {
    static func temporaryDirectory() throws -> URL {
        try ScratchDirectory.make("plots-tests")
    }

    @Test(arguments: ["residual-curves", "stacked-energy", "small-multiples"])
    func renderingIsDeterministic(name: String) throws {
        let figure = try #require(SampleFigures.all.first { $0.name == name }).figure
        let first = try figure.pngData(), second = try figure.pngData()
        #expect(first == second)
        #expect(first.starts(with: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    }

    @Test func writeIsAtomicAndLeavesNoTemporaryFile() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("energy.png")
        try SampleFigures.energyMap.writePNG(to: url)
        try SampleFigures.spectrum.writePNG(to: url)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["energy.png"])
        #expect(try Data(contentsOf: url) == SampleFigures.spectrum.pngData())
    }

    @Test func unwritablePathThrows() throws {
        let missing = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/figure.png")
        #expect {
            try SampleFigures.energyMap.writePNG(to: missing)
        } throws: { error in
            guard case .cannotWrite(let path, _) = error as? PlotError else { return false }
            return path == missing.path
        }
    }

    @Test func failedRenameCleansUp() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let occupied = directory.appendingPathComponent("figure.png")
        try FileManager.default.createDirectory(at: occupied.appendingPathComponent("child"), withIntermediateDirectories: true)
        #expect(throws: PlotError.self) { try SampleFigures.energyMap.writePNG(to: occupied) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["figure.png"])
        let message = "\(PlotError.cannotWrite(path: "/x/y.png", reason: "rename failed: Is a directory"))"
        #expect(message == "cannot write PNG to /x/y.png: rename failed: Is a directory")
    }
}
