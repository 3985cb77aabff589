import Foundation
import Testing
@testable import Analysis

/// A 2-expert layer small enough to route and evaluate by hand.
///
/// W_pre = I₂, b_pre = 0; expert 1: ΔW₁ = diag(2, 0), Δb₁ = (1, 0); expert 2: ΔW₂ = diag(0, 3), Δb₂ = (0, 1).
/// Each update has rank 1, so k clamps to 1 and gate_k = 1 gives gate rows ±e₁, ±e₂: logits are |x₁|, |x₂|.
@Suite struct UpscalingHandBuiltTests {
    static func layer(topK: Int) throws -> SmileLayer {
        let layer = try SmileLayer.upscaling(
            base: PlainLinear(weight: MatrixF(identity: 2), bias: [0, 0]),
            updates: [.dense(MatrixF([[2, 0], [0, 0]])), .dense(MatrixF([[0, 0], [0, 3]]))],
            fineTunedBiases: [[1, 0], [0, 1]], rank: .fusionBenchDefault, gateRank: 1, topK: topK, context: "hand")
        return try #require(layer)
    }

    @Test func structureIsTheRankOneSVDs() throws {
        let layer = try Self.layer(topK: 1)
        #expect(layer.rank == 1 && layer.gate.gateRank == 1 && layer.expertCount == 2)
        #expect(layer.gate.weights.elements.map(abs) == [1, 0, 0, 1])
        #expect(layer.experts[0].weightDelta == MatrixF([[2, 0], [0, 0]]))
        #expect(layer.experts[1].weightDelta == MatrixF([[0, 0], [0, 3]]))
        #expect(layer.experts[0].bias == [1, 0] && layer.experts[1].bias == [0, 1])
    }

    @Test func topOneRoutesAndComputesByHand() throws {
        let layer = try Self.layer(topK: 1)
        let x = MatrixF([[1, 0], [0, 2]])
        let routing = layer.route(x)
        // logits (1, 0) and (0, 2); softmax (e/(e+1), 1/(e+1)) and (1/(1+e²), e²/(1+e²)).
        let e = Float(exp(1.0))
        #expect(abs(routing.probabilities[0, 0] - e / (e + 1)) < 1e-6)
        #expect(abs(routing.probabilities[1, 1] - e * e / (1 + e * e)) < 1e-6)
        #expect(routing.selected == [[0], [1]])
        #expect(layer.routingWeights(x) == MatrixF([[1, 0], [0, 1]]))
        // y = x + ΔWᵢ x + Δbᵢ: (1,0) + (2,0) + (1,0) = (4, 0); (0,2) + (0,6) + (0,1) = (0, 9).
        #expect(UpscaleSupport.maxAbsDifference(layer.forward(x), MatrixF([[4, 0], [0, 9]])) < 1e-6)
    }

    @Test func topTwoMixesBothExpertsByHand() throws {
        let layer = try Self.layer(topK: 2)
        let x = MatrixF([[1, 1], [3, 1]])
        // Row 0: logits (1, 1), weights ½, ½: y = (1,1) + ½(2+1, 0) + ½(0, 3+1) = (2.5, 3).
        // Row 1: logits (3, 1), p₁ = 1/(1+e⁻²), p₂ = 1 − p₁: y = (3 + 7p₁, 1 + 4p₂).
        let p1 = Float(1 / (1 + exp(-2.0)))
        let weights = layer.routingWeights(x)
        #expect(abs(weights[0, 0] - 0.5) < 1e-6 && abs(weights[0, 1] - 0.5) < 1e-6)
        #expect(abs(weights[1, 0] - p1) < 1e-6 && abs(weights[1, 1] - (1 - p1)) < 1e-6)
        let expected = MatrixF([[2.5, 3], [3 + 7 * p1, 1 + 4 * (1 - p1)]])
        #expect(UpscaleSupport.maxAbsDifference(layer.forward(x), expected) < 1e-5)
    }

    @Test func tiesGoToTheLowerIndexAndSingleExpertGateIsOne() throws {
        let routing = SmileRouting(logits: MatrixF([[2, 2, 1]]), topK: 1)
        #expect(routing.selected == [[0]])
        let single = SmileGate(weights: MatrixF([[1, 0]]), expertCount: 1)
        #expect(single.logits(MatrixF([[0, 5], [3, 4]])).elements == [1, 1])
    }

    @Test func zeroUpdatesGiveNoLayer() throws {
        let layer = try SmileLayer.upscaling(
            base: PlainLinear(weight: MatrixF(identity: 2)), updates: [.dense(MatrixF(zeros: 2, 2)), .lowRank(b: MatrixF(zeros: 2, 0), a: MatrixF(zeros: 0, 2), scale: 1)],
            fineTunedBiases: nil, rank: .fixed(4), gateRank: 1, topK: 1, context: "zero")
        #expect(layer == nil)
    }
}
