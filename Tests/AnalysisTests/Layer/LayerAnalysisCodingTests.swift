import Foundation
import Testing
@testable import Analysis

/// The per-layer record's JSON: the derived scalars are written, and decoding accepts what encoding
/// writes (the record store reads records back), so nothing stored is lost by the custom encoding.
struct LayerAnalysisCodingTests {
    static func demoReport() throws -> FamilyReport {
        let (family, directory) = try UpscaleSupport.demoFamily()
        defer { try? FileManager.default.removeItem(at: directory) }
        return try FamilyAnalyzer(options: AnalysisOptions(lowZoneRule: .sigmaSum(0.9))).analyze(family)
    }

    @Test func encodedRecordsDecodeToTheSameValue() throws {
        let report = try Self.demoReport()
        #expect(!report.layers.isEmpty)
        let data = try JSONEncoder().encode(report)
        #expect(try JSONDecoder().decode(FamilyReport.self, from: data) == report)
        for layer in report.layers {
            #expect(try JSONDecoder().decode(LayerAnalysis.self, from: JSONEncoder().encode(layer)) == layer)
        }
    }

    @Test func taskResultsCarryTheScalarsUsersLookFor() throws {
        let layer = try #require(try Self.demoReport().layers.first)
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(layer)) as? [String: Any])
        let tasks = try #require(object["tasks"] as? [[String: Any]])
        for (task, result) in zip(tasks, layer.tasks) {
            #expect(Self.same(task["E_I"], result.energy.top))
            #expect(Self.same(task["E_II"], result.energy.middle))
            #expect(Self.same(task["E_II_III"], result.energy.middlePlusTail))
            #expect(Self.same(task["topCross"], result.energy.topCross))
            #expect(Self.same(task["deltaNorm"], result.spectrum.norm))
            #expect(Self.same(task["relativeNorm"], result.spectrum.relativeNorm))
            #expect(task["rank90"] as? Int == result.spectrum.effectiveRank90)
            #expect(task["rank99"] as? Int == result.spectrum.effectiveRank99)
            #expect(task["energyFourWay"] != nil && task["intruders"] != nil)
        }
    }

    /// JSONSerialization parses numbers to within an ulp; JSONDecoder round trips them exactly.
    static func same(_ value: Any?, _ expected: Double) -> Bool {
        guard let value = value as? Double else { return false }
        return abs(value - expected) <= 4 * Double.ulpOfOne * Swift.max(abs(expected), Double.leastNormalMagnitude)
    }

    @Test func taskTotalsWeightEachLayerByItsShareOfTheUpdate() throws {
        let report = try Self.demoReport()
        let totals = TaskTotals.of(report.layers, taskNames: report.taskNames)
        #expect(totals.map(\.task) == report.taskNames)
        for (i, total) in totals.enumerated() {
            let weights = report.layers.map { $0.tasks[i].spectrum.norm * $0.tasks[i].spectrum.norm }
            let mass = weights.reduce(0, +)
            let middle = zip(weights, report.layers).reduce(0.0) { $0 + $1.0 * $1.1.tasks[i].energy.middle } / mass
            #expect(abs(total.E_I - report.summary.topEnergy[i]) < 1e-12)
            #expect(abs(total.E_II_III - report.summary.middlePlusTailEnergy[i]) < 1e-12)
            #expect(abs(total.E_II - middle) < 1e-12)
            #expect(abs(total.E_I + total.topCross + total.E_II_III - 1) < 1e-6)
            #expect(abs(total.deltaNorm - mass.squareRoot()) < 1e-9 * mass.squareRoot())
            let baseMass = report.layers.reduce(0.0) { $0 + $1.baseNorm * $1.baseNorm }
            #expect(abs(total.relativeNorm - (mass / baseMass).squareRoot()) < 1e-12)
            #expect(total.layers == report.layers.count)
        }
    }
}
