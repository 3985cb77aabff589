import Foundation
import Testing
@testable import Analysis

/// The real all-MiniLM-L6-v2 family (full fine-tunes and LoRA adapters) against the numpy float64 values of
/// `reference/minilm_reference.py` (`Fixtures/reference/minilm.json`). Tolerance 1e-4 absolute on energy
/// fractions and cosines, 1e-4 relative on norms, ±1 on effective ranks, and 1e-3 on the interference
/// quantities, whose 90%-energy subspaces come from float32 SVDs of ~300-dimensional spectra.
@Suite(.enabled(if: Fixtures.miniLM != nil, "needs ../shared/models/minilm-l6"))
struct MiniLMReferenceTests {
    struct Reference: Decodable {
        struct PerModel: Decodable {
            var energy_map: [[Double]]
            var e_top: Double
            var e_mid_tail: Double
            var delta_norm: Double
            var effective_rank_90: Int
            var effective_rank_99: Int
            var intruders: [Int]
        }
        struct Family: Decodable {
            var zone_k: Int
            var per_model: [PerModel]
            var interference: [[Double]]
            var interference_ranks: [Int]
            var lambda_star: Double
            var residuals_at_lambda_star: [Double]
            var cosine: [[Double]]
        }
        struct Layer: Decodable { var zone_k: Int; var families: [String: Family] }
        struct Expected: Decodable { var layers: [String: Layer]; var global_cosine: [String: [[Double]]] }
        var tasks: [String]
        var expected: Expected
    }

    static let reference = Result { try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Fixtures.url("reference/minilm.json"))) }

    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-4) -> Bool { abs(a - b) <= tolerance }

    @Test(arguments: ["full", "lora"])
    func familyMatchesTheNumpyReference(kind: String) throws {
        let reference = try Self.reference.get()
        let root = try #require(Fixtures.miniLM)
        let family = try ModelFamily.open(
            base: root.appendingPathComponent("base").path,
            models: reference.tasks.map { root.appendingPathComponent("\(kind)-\($0)").path }, names: reference.tasks)
        let report = try FamilyAnalyzer(options: AnalysisOptions(computeIntruders: false)).analyze(family)
        for (x, y) in zip(report.summary.cosine.joined(), try #require(reference.expected.global_cosine[kind]).joined()) {
            #expect(Self.close(x, y), "\(kind) global cosine \(x) vs \(y)")
        }
        for (name, expectedLayer) in reference.expected.layers {
            let expected = try #require(expectedLayer.families[kind])
            let layer = try #require(report.layers.first { $0.name == name })
            #expect(layer.topRank == expected.zone_k, "\(name) k")
            for (task, want) in zip(layer.tasks, expected.per_model) {
                for (x, y) in zip(task.energy.energy.joined(), want.energy_map.joined()) { #expect(Self.close(x, y), "\(kind) \(name) \(task.task) map \(x) vs \(y)") }
                #expect(Self.close(task.energy.top, want.e_top) && Self.close(task.energy.middlePlusTail, want.e_mid_tail))
                #expect(abs(task.spectrum.norm - want.delta_norm) <= 1e-4 * want.delta_norm)
                #expect(abs(task.spectrum.effectiveRank90 - want.effective_rank_90) <= 1, "\(name) rank90")
                #expect(abs(task.spectrum.effectiveRank99 - want.effective_rank_99) <= 1, "\(name) rank99")
            }
            let interference = try #require(layer.interference)
            for (x, y) in zip(interference.matrix.compactMap { $0 }.joined(), expected.interference.joined()) { #expect(Self.close(x, y, 1e-3), "\(name) I \(x) vs \(y)") }
            #expect(Self.close(interference.all.lambdaStar ?? .nan, expected.lambda_star, 1e-3), "\(name) λ*")
            for (x, y) in zip(interference.all.residuals, expected.residuals_at_lambda_star) { #expect(Self.close(x, y, 1e-3), "\(name) residual") }
            for (x, y) in zip(try #require(layer.similarity).cosine.joined(), expected.cosine.joined()) { #expect(Self.close(x, y)) }
        }
    }

    @Test func intrudersOfTheQueryLayerMatch() throws {
        let reference = try Self.reference.get()
        let root = try #require(Fixtures.miniLM)
        let name = "encoder.layer.0.attention.self.query.weight"
        for kind in ["full", "lora"] {
            let family = try ModelFamily.open(
                base: root.appendingPathComponent("base").path,
                models: reference.tasks.map { root.appendingPathComponent("\(kind)-\($0)").path }, names: reference.tasks)
            let layer = try LayerAnalyzer().analyze(name: name, base: try #require(try family.baseTensor(name).matrix), updates: try family.updates(for: name), taskNames: reference.tasks)
            let expected = try #require(reference.expected.layers[name]?.families[kind])
            for (task, want) in zip(layer.tasks, expected.per_model) { #expect(task.intruders?.intruders == want.intruders) }
        }
    }
}
