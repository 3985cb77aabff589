import Foundation
import Testing
@testable import Analysis

/// The merged, Iso-C and TSV-M shared paths (with the expert scale β) and the balanced router against the
/// numpy float64 fixture
/// (`reference/smile_shared_path_reference.py`): each layer is built through ``SmileUpscaler``'s own
/// per-layer path from the same float32 weights.
@Suite struct SharedPathReferenceTests {
    struct Fixture: Decodable {
        struct Expected: Decodable {
            var lambda: Double
            /// ``SpectralFlatness`` of ΣΔWⱼ (nil: a zero sum).
            var flatness: Double?
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
            /// "merged", "iso-c" or "tsv" (then `lambda` is c or α).
            var shared: String
            var expert_scale: Double
            var base: SmileForwardReference.Base
            var models: [SmileForwardReference.Model]
            var inputs: SmileForwardReference.Array2D
            var expected: Expected

            /// The tool's shared path for `shared` at coefficient `lambda` (nil: λ*, or the default c/α).
            var sharedPath: SharedPath {
                switch shared {
                case "iso-c": .isoC(coefficient: lambda)
                case "tsv": .tsv(coefficient: lambda)
                default: .merged(lambda: lambda)
                }
            }
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
            sharedPath: fixture.sharedPath,
            balancedRouter: fixture.balanced, expertScale: fixture.expert_scale)
        let inputs = SmileUpscaler.LayerInputs(base: source.pretrained, updates: source.updates, fineTunedBiases: source.fineTunedBiases)
        let built = try #require(try SmileUpscaler(options: options).build(inputs, module: name, plan: UpscalePlan(), index: 0))
        let expected = fixture.expected
        let layer = built.layer
        #expect(abs(built.coefficient - expected.lambda) < 1e-5 * Swift.max(1, abs(expected.lambda)))
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

    /// The Iso-C and TSV-M splits on every fixture layer: W_shared = W_pre + c·M with M exactly `merge
    /// --method iso-c | tsv`'s (``MergeSettings/mergedUpdate(of:context:)``), W_shared + Rᵢ = Wᵢ,
    /// Σᵢ Rᵢ = ΣΔWᵢ − T·c·M, b_shared = b_pre + c·mean Δbⱼ, and LoRA residuals stay factored.
    @Test(arguments: [MergeMethod.isoC, .tsv]) func subspaceSplitReconstructsEveryModel(_ method: MergeMethod) throws {
        for fixture in try Fixture.load().cases {
            let source = fixture
            let c = 2.5
            let path = method == .tsv ? SharedPath.tsv(coefficient: c) : .isoC(coefficient: c)
            #expect(path.mergeMethod == method)
            let (shared, residuals) = try path.split(base: source.pretrained, updates: source.updates, fineTunedBiases: source.fineTunedBiases, coefficient: c, context: "t")
            let merge = try MergeSettings(method: method).mergedUpdate(of: source.updates, context: "t")
            #expect(UpscaleSupport.maxAbsDifference(shared.weight, source.pretrained.weight + Float(c) * merge) < 1e-5, "\(fixture.name)")
            var residualSum = MatrixF(zeros: merge.rows, merge.columns), updateSum = residualSum
            for (update, residual) in zip(source.updates, residuals) {
                #expect(UpscaleSupport.maxAbsDifference(shared.weight + residual.dense, source.pretrained.weight + update.dense) < 1e-5, "\(fixture.name)")
                if case .lowRank = update { if case .dense = residual { Issue.record("\(fixture.name): a LoRA residual was formed densely") } }
                residualSum = residualSum + residual.dense
                updateSum = updateSum + update.dense
            }
            #expect(UpscaleSupport.maxAbsDifference(residualSum, updateSum - Float(c * Double(residuals.count)) * merge) < 1e-4, "\(fixture.name)")
            if let biases = source.fineTunedBiases, let b = shared.bias, let pre = source.pretrained.bias {
                for j in b.indices {
                    let mean = biases.reduce(0.0) { $0 + Double($1[j]) - Double(pre[j]) } / Double(biases.count)
                    #expect(abs(Double(b[j]) - Double(pre[j]) - c * mean) < 1e-5)
                }
            }
        }
    }

    /// Iso-C and TSV-M at c 0 with β 1 are FusionBench's layer bit for bit (today's `--shared pretrained`
    /// output); with every triplet kept, each expert divided by β puts its model back: W_shared +
    /// expertᵢ/β = Wᵢ (at β 1 with full rank, shared path + expert reconstructs each model).
    @Test(arguments: [SharedPath.isoC(coefficient: 3), .tsv(coefficient: 0.5), .tsv(coefficient: 1)]) func subspacePathInvariants(_ path: SharedPath) throws {
        let source = try #require(try Fixture.load().cases.first { $0.name == "lambda_zero_is_fusionbench" })
        let inputs = SmileUpscaler.LayerInputs(base: source.pretrained, updates: source.updates, fineTunedBiases: source.fineTunedBiases)
        let zeroPath = path.mergeMethod == .tsv ? SharedPath.tsv(coefficient: 0) : .isoC(coefficient: 0)
        let zero = try #require(try SmileUpscaler(options: SmileUpscaleOptions(expertRank: .fixed(3), probeSamples: 0, sharedPath: zeroPath, expertScale: 1))
            .build(inputs, module: "m", plan: UpscalePlan(), index: 0))
        let plain = try #require(try SmileLayer.upscaling(base: source.pretrained, updates: source.updates, fineTunedBiases: source.fineTunedBiases,
                                                           rank: .fixed(3), gateRank: 1, topK: 1, context: "m"))
        #expect(zero.layer == plain)
        for fixture in try Fixture.load().cases {
            let inputs = SmileUpscaler.LayerInputs(base: fixture.pretrained, updates: fixture.updates, fineTunedBiases: fixture.fineTunedBiases)
            for beta: Float in [0.5, 1] {
                let options = SmileUpscaleOptions(expertRank: .fixed(Int.max), probeSamples: 0, sharedPath: path, expertScale: Double(beta))
                let built = try #require(try SmileUpscaler(options: options).build(inputs, module: "m", plan: UpscalePlan(), index: 0))
                for (i, expert) in built.layer.experts.enumerated() {
                    let model = fixture.pretrained.weight + fixture.updates[i].dense
                    #expect(UpscaleSupport.maxAbsDifference(built.layer.pretrained.weight + (1 / beta) * expert.weightDelta, model) < 1e-4, "\(fixture.name) expert \(i) β \(beta)")
                    if let bias = expert.bias, let shared = built.layer.pretrained.bias, let tuned = fixture.fineTunedBiases?[i] {
                        for j in bias.indices { #expect(abs(shared[j] + bias[j] / beta - tuned[j]) < 1e-5) }
                    }
                }
            }
        }
    }

    /// β defaults to ½ with Iso-C and 1 otherwise; Iso-C's c to 3 for full fine-tunes and 1 for adapters only.
    @Test func isoCDefaults() {
        #expect(SmileUpscaleOptions(sharedPath: .isoC(coefficient: 3)).effectiveExpertScale == 0.5)
        #expect(SmileUpscaleOptions(sharedPath: .merged(lambda: nil)).effectiveExpertScale == 1)
        #expect(SmileUpscaleOptions(sharedPath: .pretrained).effectiveExpertScale == 1)
        #expect(SmileUpscaleOptions(sharedPath: .isoC(coefficient: 3), expertScale: 0.75).effectiveExpertScale == 0.75)
        #expect(SharedPath.isoC(coefficient: nil).resolved(kinds: [.full, .lora]) == .isoC(coefficient: 3))
        #expect(SharedPath.isoC(coefficient: nil).resolved(kinds: [.lora, .lora]) == .isoC(coefficient: 1))
        #expect(SharedPath.isoC(coefficient: 2).resolved(kinds: [.lora]) == .isoC(coefficient: 2))
        #expect(SmileUpscaleOptions.measuredDefaults(kinds: [.full, .full]) == (.isoC(coefficient: 3), true))
        #expect(SmileUpscaleOptions.measuredDefaults(kinds: [.lora, .lora]) == (.isoC(coefficient: 1), false))
        #expect(SmileUpscaleOptions(sharedPath: .tsv(coefficient: 0.5)).effectiveExpertScale == 0.5)
        #expect(SharedPath.tsv(coefficient: nil).resolved(kinds: [.full, .lora]) == .tsv(coefficient: 1))
        #expect(SharedPath.tsv(coefficient: nil).resolved(kinds: [.lora, .lora]) == .tsv(coefficient: 0.5))
        #expect(SharedPath.tsv(coefficient: 0.7).resolved(kinds: [.lora]) == .tsv(coefficient: 0.7))
        #expect(SharedPath.pretrained.mergeMethod == nil && SharedPath.merged(lambda: nil).mergeMethod == nil)
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
        #expect(SharedPath(argument: "iso-c") == .isoC(coefficient: nil))
        #expect(SharedPath(argument: "iso-c:2") == .isoC(coefficient: 2))
        #expect(SharedPath(argument: "iso-c:inf") == nil)
        #expect(SharedPath(argument: "iso-c:") == nil)
        #expect(SharedPath.isoC(coefficient: 3).argument == "iso-c:3.0")
        #expect(SharedPath(argument: "tsv") == .tsv(coefficient: nil))
        #expect(SharedPath(argument: "tsv:0.5") == .tsv(coefficient: 0.5))
        #expect(SharedPath(argument: "tsv:") == nil)
        #expect(SharedPath(argument: "tsv:x") == nil)
        #expect(SharedPath(argument: "tsv:nan") == nil)
        #expect(SharedPath.tsv(coefficient: 0.5).argument == "tsv:0.5")
        #expect(SharedPath.tsv(coefficient: nil).argument == "tsv")
    }
}
