import Foundation
import Testing
@testable import Analysis

/// The merged shared path and the balanced router against the numpy float64 fixture
/// (`reference/smile_shared_path_reference.py`): each layer is built through ``SmileUpscaler``'s own
/// per-layer path from the same float32 weights.
@Suite struct SharedPathReferenceTests {
    struct Fixture: Decodable {
        struct Expected: Decodable {
            var lambda: Double
            var shared_weight: SmileForwardReference.Array2D
            var shared_bias: SmileForwardReference.Array2D?
            var k_layer: Int
            var gate: SmileForwardReference.Array2D
            var residual_ranks: [Int]
            var logits: SmileForwardReference.Array2D
            var selected: [[Int]]
            var routing_weights: SmileForwardReference.Array2D
            var outputs: SmileForwardReference.Array2D
            var expert_updates: [SmileForwardReference.Array2D]
            var expert_biases: [SmileForwardReference.Array2D]?
        }
        struct Case: Decodable, SmileForwardReference.LayerWeights {
            var name: String
            var k: Int
            var gate_k: Int
            var top_k: Int
            var lambda: Double?
            var balanced: Bool
            var base: SmileForwardReference.Base
            var models: [SmileForwardReference.Model]
            var inputs: SmileForwardReference.Array2D
            var expected: Expected
        }
        var cases: [Case]

        static func load() throws -> Fixture {
            try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Fixtures.url("upscale/smile_shared_path_reference.json")))
        }
    }

    static let cases: [String] = (try? Fixture.load().cases.map(\.name)) ?? []

    @Test(arguments: cases) func matchesNumpy(_ name: String) throws {
        let fixture = try #require(try Fixture.load().cases.first { $0.name == name })
        let source = fixture
        let options = SmileUpscaleOptions(
            expertRank: .fixed(fixture.k), gateRank: fixture.gate_k, topK: fixture.top_k, probeSamples: 0,
            sharedPath: .merged(lambda: fixture.lambda), balancedRouter: fixture.balanced)
        let inputs = SmileUpscaler.LayerInputs(base: source.pretrained, updates: source.updates, fineTunedBiases: source.fineTunedBiases)
        let built = try #require(try SmileUpscaler(options: options).build(inputs, module: name, plan: UpscalePlan(), index: 0))
        let expected = fixture.expected
        let layer = built.layer
        #expect(abs(built.lambda - expected.lambda) < 1e-5 * Swift.max(1, abs(expected.lambda)))
        #expect(UpscaleSupport.maxAbsDifference(layer.pretrained.weight, expected.shared_weight.matrix) < 1e-5)
        if let bias = expected.shared_bias {
            #expect(zip(try #require(layer.pretrained.bias), bias.floats).allSatisfy { abs($0 - $1) < 1e-5 })
        } else {
            #expect(layer.pretrained.bias == nil)
        }
        #expect(layer.rank == expected.k_layer)
        #expect(built.decompositions.map(\.numericalRank) == expected.residual_ranks)
        let x = fixture.inputs.matrix
        let routing = layer.route(x)
        #expect(routing.selected == expected.selected)
        #expect(UpscaleSupport.maxAbsDifference(routing.logits, expected.logits.matrix) < 1e-4)
        #expect(UpscaleSupport.maxAbsDifference(routing.weights, expected.routing_weights.matrix) < 1e-4)
        #expect(UpscaleSupport.maxAbsDifference(layer.forward(x), expected.outputs.matrix) < 1e-4)
        for (expert, update) in zip(layer.experts, expected.expert_updates) {
            #expect(UpscaleSupport.maxAbsDifference(expert.weightDelta, update.matrix) < 1e-4)
        }
        if let biases = expected.expert_biases {
            for (expert, bias) in zip(layer.experts, biases) {
                #expect(zip(try #require(expert.bias), bias.floats).allSatisfy { abs($0 - $1) < 1e-5 })
            }
        }
        // Gate rows equal the reference's up to each row's sign (singular vectors are defined up to sign).
        let gate = expected.gate.matrix
        for r in 0..<gate.rows {
            let dot = (0..<gate.columns).reduce(Float(0)) { $0 + layer.gate.weights[r, $1] * gate[r, $1] }
            let norm = (0..<gate.columns).reduce(Float(0)) { $0 + gate[r, $1] * gate[r, $1] }
            #expect(abs(abs(dot) - norm) < 1e-4 * Swift.max(1, norm))
        }
    }

    /// λ = 0 is FusionBench's layer, bit for bit: the merged path with no merge changes nothing.
    @Test func lambdaZeroIsFusionBench() throws {
        let source = try #require(try Fixture.load().cases.first { $0.name == "lambda_zero_is_fusionbench" })
        let inputs = SmileUpscaler.LayerInputs(base: source.pretrained, updates: source.updates, fineTunedBiases: source.fineTunedBiases)
        let merged = try #require(try SmileUpscaler(options: SmileUpscaleOptions(expertRank: .fixed(3), probeSamples: 0, sharedPath: .merged(lambda: 0)))
            .build(inputs, module: "m", plan: UpscalePlan(), index: 0))
        let plain = try #require(try SmileLayer.upscaling(base: source.pretrained, updates: source.updates, fineTunedBiases: source.fineTunedBiases,
                                                           rank: .fixed(3), gateRank: 1, topK: 1, context: "m"))
        #expect(merged.layer == plain)
    }

    /// Invariants of the split on any layer: W_shared + Rᵢ = Wᵢ, b_shared + (bᵢ − b_shared) = bᵢ, and a
    /// factored (LoRA) family keeps factored residuals whose product is the dense residual.
    @Test func splitReconstructsEveryModel() throws {
        for fixture in try Fixture.load().cases {
            let source = fixture
            let lambda = 0.37
            let (shared, residuals) = SharedPath.split(base: source.pretrained, updates: source.updates, fineTunedBiases: source.fineTunedBiases, lambda: lambda)
            for (update, residual) in zip(source.updates, residuals) {
                #expect(UpscaleSupport.maxAbsDifference(shared.weight + residual.dense, source.pretrained.weight + update.dense) < 1e-5)
                if case .lowRank = update { if case .dense = residual { Issue.record("\(fixture.name): a LoRA residual was formed densely") } }
            }
            if let biases = source.fineTunedBiases, let b = shared.bias, let pre = source.pretrained.bias {
                let mean = (0..<b.count).map { c in biases.reduce(0.0) { $0 + Double($1[c]) - Double(pre[c]) } }
                for c in b.indices { #expect(abs(Double(b[c]) - Double(pre[c]) - lambda * mean[c]) < 1e-5) }
            }
        }
    }

    /// Balancing leaves every block's direction alone and equalises the blocks' typical logits.
    @Test func balancedGateEqualisesInputScales() throws {
        let source = try #require(try Fixture.load().cases.first { $0.name == "lambda_star_truncated_balanced_top2" })
        let decompositions = try SmileLayer.decompose(source.updates, context: "b")
        let gate = SmileGate(decompositions: decompositions, gateRank: 2)
        let balanced = gate.balanced(weight: source.pretrained.weight)
        let before = gate.inputScales(weight: source.pretrained.weight), after = balanced.inputScales(weight: source.pretrained.weight)
        let mean = before.reduce(0, +) / Double(before.count)
        for value in after { #expect(abs(value - mean) < 1e-4 * mean) }
        #expect(Set(before.map { ($0 * 1e4).rounded() }).count > 1)
        #expect(SmileGate(decompositions: [decompositions[0]], gateRank: 2).balanced(weight: source.pretrained.weight).weights
            == SmileGate(decompositions: [decompositions[0]], gateRank: 2).weights)
    }

    @Test func argumentSpellings() {
        #expect(SharedPath(argument: "pretrained") == .pretrained)
        #expect(SharedPath(argument: "merged") == .merged(lambda: nil))
        #expect(SharedPath(argument: "merged:0.25") == .merged(lambda: 0.25))
        #expect(SharedPath(argument: "merged:") == nil)
        #expect(SharedPath(argument: "merged:nan") == nil)
        #expect(SharedPath(argument: "merge") == nil)
        #expect(SharedPath.merged(lambda: 0.25).argument == "merged:0.25")
    }
}
