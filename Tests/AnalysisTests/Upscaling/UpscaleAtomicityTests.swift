import Foundation
import Testing
@testable import Analysis

/// The output directory appears whole or not at all.
@Suite struct UpscaleAtomicityTests {
    static let fast = SmileUpscaleOptions(expertRank: .fixed(2), include: "layer\\.0\\.attention\\.self\\.query", probeSamples: 0)

    @Test func existingDirectoryIsRefusedWithoutForceAndReplacedWithIt() throws {
        let (family, directory) = try UpscaleSupport.demoFamily()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("smile")
        _ = try SmileUpscaler(options: Self.fast).upscale(family, to: out)
        try Data("old".utf8).write(to: out.appendingPathComponent("marker"))
        #expect(throws: UpscaleError.outputExists(path: out.relativePath)) { try SmileUpscaler(options: Self.fast).upscale(family, to: out) }
        #expect(UpscaleSupport.entries(out) == ["README.md", "marker", "model.safetensors", "smile_config.json"])

        var force = Self.fast
        force.replaceExisting = true
        _ = try SmileUpscaler(options: force).upscale(family, to: out)
        #expect(UpscaleSupport.entries(out) == ["README.md", "model.safetensors", "smile_config.json"], "the old output is gone")
        #expect(UpscaleSupport.entries(directory) == ["alpha", "base", "beta", "gamma", "smile"], "nothing staged or set aside is left")
    }

    @Test func forceNeverReplacesInputsOrForeignDirectories() throws {
        let (family, directory) = try UpscaleSupport.demoFamily()
        defer { try? FileManager.default.removeItem(at: directory) }
        var force = Self.fast
        force.replaceExisting = true
        let before = [directory, directory.appendingPathComponent("base"), directory.appendingPathComponent("beta")].map(UpscaleSupport.entries)
        // An input of the family, and a directory that contains inputs.
        for target in ["base", "beta", ""] {
            #expect(throws: UpscaleError.self) { try SmileUpscaler(options: force).upscale(family, to: directory.appendingPathComponent(target)) }
        }
        // A directory that is not a previous output.
        let foreign = directory.appendingPathComponent("notes")
        try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: foreign.appendingPathComponent("todo.txt"))
        #expect(throws: UpscaleError.self) { try SmileUpscaler(options: force).upscale(family, to: foreign) }
        #expect(UpscaleSupport.entries(foreign) == ["todo.txt"])
        #expect([directory, directory.appendingPathComponent("base"), directory.appendingPathComponent("beta")].map(UpscaleSupport.entries)
            == before.enumerated().map { $0 == 0 ? ($1 + ["notes"]).sorted() : $1 })
    }

    @Test func unwritableDestinationLeavesNothing() throws {
        let (family, directory) = try UpscaleSupport.demoFamily()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missingParent = directory.appendingPathComponent("no/such/dir")
        #expect(throws: UpscaleError.self) { try SmileUpscaler(options: Self.fast).upscale(family, to: missingParent) }
        let underFile = directory.appendingPathComponent("base/model.safetensors/out")
        #expect(throws: UpscaleError.self) { try SmileUpscaler(options: Self.fast).upscale(family, to: underFile) }
        #expect(UpscaleSupport.entries(directory) == ["alpha", "base", "beta", "gamma"])
        #expect(UpscaleSupport.entries(directory.appendingPathComponent("base")) == ["model.safetensors"])
    }

    @Test func failureMidwayLeavesNoPartialDirectory() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var rng = SplitMix64(seed: 1)
        let good = Tensor(rng.gaussianMatrix(4, 3)), bad = Tensor(shape: [4, 3], values: Array(repeating: .nan, count: 12))
        // "a" is written first and fine; "b" has a NaN update, so the SVD fails after "a" went to the output.
        let family = try UpscaleSupport.writeFamily(
            base: ["a.weight": good, "b.weight": good],
            models: [["a.weight": Tensor(rng.gaussianMatrix(4, 3)), "b.weight": bad], ["a.weight": Tensor(rng.gaussianMatrix(4, 3))]],
            in: directory)
        let out = directory.appendingPathComponent("smile")
        #expect(throws: LinearAlgebraError.self) { try SmileUpscaler().upscale(family, to: out) }
        #expect(UpscaleSupport.entries(directory) == ["base", "m0", "m1"])
    }
}
