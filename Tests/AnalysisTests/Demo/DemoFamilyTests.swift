import Foundation
import Testing
@testable import Analysis

/// The built-in family must show what it was built to show: alpha in the middle zone, beta in the least
/// significant directions and null spaces, gamma in the top zone and against alpha.
@Suite struct DemoFamilyTests {
    static func analyzed() throws -> FamilyReport {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = try DemoFamily.write(to: directory)
        let family = try ModelFamily.open(base: paths.base.path, models: paths.models.map(\.path))
        return try FamilyAnalyzer().analyze(family)
    }

    @Test func updatesLandWhereTheyWereBuilt() throws {
        let report = try Self.analyzed()
        #expect(report.taskNames == DemoFamily.taskNames)
        #expect(report.layers.count == 8 && report.tensors.count == 1)
        for layer in report.layers {
            let (alpha, beta, gamma) = (layer.tasks[0].energy, layer.tasks[1].energy, layer.tasks[2].energy)
            #expect(alpha.middle > 0.99, "\(layer.name) alpha E_II \(alpha.middle)")
            #expect(beta.top < 1e-4 && beta.middlePlusTail > 0.99, "\(layer.name) beta")
            #expect(gamma.top > 0.4, "\(layer.name) gamma E_I \(gamma.top)")
            #expect(layer.similarity!.cosine[0][2] < -0.5)
        }
    }

    @Test func verdictSeparatesTheInterferingTask() throws {
        let summary = try Self.analyzed().summary
        #expect(summary.verdict?.level == .notMergeable)
        let alphaBeta = try #require(summary.pairs.first { $0.tasks == ["alpha", "beta"] })
        #expect(alphaBeta.level == .mergeable)
        let alphaGamma = try #require(summary.pairs.first { $0.tasks == ["alpha", "gamma"] })
        #expect(alphaGamma.level == .notMergeable)
    }

    @Test func writingIsDeterministic() throws {
        let first = try Fixtures.temporaryDirectory(), second = try Fixtures.temporaryDirectory()
        defer { for d in [first, second] { try? FileManager.default.removeItem(at: d) } }
        let a = try DemoFamily.write(to: first), b = try DemoFamily.write(to: second)
        for (x, y) in zip([a.base] + a.models, [b.base] + b.models) {
            for file in try FileManager.default.contentsOfDirectory(atPath: x.path) {
                #expect(try Data(contentsOf: x.appendingPathComponent(file)) == (try Data(contentsOf: y.appendingPathComponent(file))))
            }
        }
    }
}
