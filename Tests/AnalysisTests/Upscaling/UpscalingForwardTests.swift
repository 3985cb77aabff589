import Foundation
import Testing
@testable import Analysis

/// The forward pass against the fine-tuned layers it stands for: exact at full rank, and within the energy
/// a rank-k expert leaves out, ‖y − (Wᵢx + bᵢ)‖ ≤ σ_{i,k+1} ‖x‖, for inputs routed to expert i (top_k = 1).
@Suite struct UpscalingForwardTests {
    /// A 12×9 layer with three dense updates and one LoRA update (rank 3), biases on.
    struct Setup {
        var base: PlainLinear
        var updates: [WeightUpdate]
        var biases: [[Float]]
        var fineTuned: [PlainLinear]

        init() {
            var rng = SplitMix64(seed: 71)
            let (m, n) = (12, 9)
            let pretrained = PlainLinear(weight: rng.gaussianMatrix(m, n), bias: rng.gaussianMatrix(1, m, scale: 0.1).elements)
            var updates = [WeightUpdate]()
            for _ in 0..<3 { updates.append(.dense(rng.gaussianMatrix(m, n, scale: 0.3))) }
            updates.append(.lowRank(b: rng.gaussianMatrix(m, 3, scale: 0.5), a: rng.gaussianMatrix(3, n, scale: 0.5), scale: 2))
            var biases = [[Float]]()
            for _ in updates { biases.append(zip(pretrained.bias!, rng.gaussianMatrix(1, m, scale: 0.05).elements).map { $0 + $1 }) }
            base = pretrained
            self.updates = updates
            self.biases = biases
            fineTuned = zip(updates, biases).map { PlainLinear(weight: pretrained.weight + $0.dense, bias: $1) }
        }

        func layer(rank: ExpertRankRule, topK: Int = 1) throws -> SmileLayer {
            try #require(try SmileLayer.upscaling(base: base, updates: updates, fineTunedBiases: biases, rank: rank, gateRank: 1, topK: topK, context: "test"))
        }

        /// Gaussian inputs with the expert each is routed to.
        func inputs(_ layer: SmileLayer, count: Int = 200) -> (x: MatrixF, experts: [Int]) {
            var rng = SplitMix64(seed: 9)
            let x = rng.gaussianMatrix(count, base.inFeatures)
            return (x, layer.route(x).selected.map { $0[0] })
        }
    }

    @Test func fullRankReproducesTheRoutedFineTune() throws {
        let setup = Setup()
        let layer = try setup.layer(rank: .fusionBenchDefault)
        #expect(layer.rank == 9)
        let (x, experts) = setup.inputs(layer)
        #expect(Set(experts).count == 4, "every expert gets inputs")
        let y = layer.forward(x)
        for (r, i) in experts.enumerated() {
            let row = x.rows(r..<(r + 1))
            let expected = setup.fineTuned[i].forward(row)
            #expect(UpscaleSupport.maxAbsDifference(y.rows(r..<(r + 1)), expected) < 1e-4, "input \(r) → expert \(i)")
        }
    }

    @Test func truncationErrorIsBoundedByTheDroppedSingularValue() throws {
        let setup = Setup()
        for k in [1, 2, 5] {
            let layer = try setup.layer(rank: .fixed(k))
            #expect(layer.rank == k)
            let sigmas = try setup.updates.map { try UpdateDecomposition($0, context: "test").truncationError(rank: k) }
            let (x, experts) = setup.inputs(layer)
            let y = layer.forward(x)
            for (r, i) in experts.enumerated() {
                let row = x.rows(r..<(r + 1))
                let diff = y.rows(r..<(r + 1)) - setup.fineTuned[i].forward(row)
                let bound = sigmas[i] * UpscaleSupport.rowNorm(row, 0)
                #expect(UpscaleSupport.rowNorm(diff, 0) <= bound * 1.0001 + 1e-4, "k \(k) input \(r) expert \(i)")
            }
        }
    }

    @Test func loraExpertKeepsItsRankAndRoutingWeightsSumToOne() throws {
        let setup = Setup()
        let layer = try setup.layer(rank: .fixed(3), topK: 2)
        let lora = layer.experts[3]
        #expect(UpscaleSupport.maxAbsDifference(lora.weightDelta, setup.updates[3].dense) < 1e-4)
        let (x, _) = setup.inputs(layer, count: 20)
        let weights = layer.routingWeights(x)
        for r in 0..<x.rows {
            let row = weights.row(r)
            #expect(abs(row.reduce(0, +) - 1) < 1e-5 && row.filter { $0 > 0 }.count == 2)
        }
    }

    @Test func expertsAndGateFollowTheSVD() throws {
        let setup = Setup()
        let layer = try setup.layer(rank: .fixed(4))
        for (i, update) in setup.updates.enumerated() {
            let svd = try update.singularValueDecomposition(context: "test")
            let expert = layer.experts[i]
            #expect(expert.u.rows == 12 && expert.u.columns == 4 && expert.svh.rows == 4 && expert.svh.columns == 9)
            // svh rows are σⱼ vⱼᵀ: their norms are the singular values; the gate row is ±v₁ᵀ.
            let norms = expert.svh.rowNormsSquared.map { $0.squareRoot() }
            for j in 0..<min(4, svd.rank) { #expect(abs(norms[j] - Double(svd.singularValues[j])) < 1e-4 * Double(svd.singularValues[0])) }
            let cosine = zip(layer.gate.weights.row(i), svd.vt.row(0)).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(abs(abs(cosine) - 1) < 1e-4)
            #expect(expert.bias == zip(setup.biases[i], setup.base.bias!).map { $0 - $1 })
        }
    }
}
