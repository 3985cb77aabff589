import Foundation
import Testing
@testable import Analysis

/// Every case of the numpy float64 fixture (`reference/smile_upscale_reference.py`): the layer is built
/// here from the same float32 weights and must route and compute as FusionBench's `SmileMoELinear` does.
@Suite struct UpscalingReferenceTests {
    static let cases: [String] = (try? SmileForwardReference.load().cases.map(\.name)) ?? []

    @Test(arguments: cases) func matchesNumpy(_ name: String) throws {
        let fixture = try #require(try SmileForwardReference.load().cases.first { $0.name == name })
        let layer = try #require(try SmileLayer.upscaling(
            base: fixture.pretrained, updates: fixture.updates, fineTunedBiases: fixture.fineTunedBiases,
            rank: .fixed(fixture.k), gateRank: fixture.gate_k, topK: fixture.top_k, context: name))
        let expected = fixture.expected
        #expect(layer.rank == expected.k_layer)
        #expect(layer.gate.gateRank == expected.gate_rows_per_expert)
        #expect(try fixture.updates.map { try UpdateDecomposition($0, context: name).numericalRank } == expected.update_ranks)
        let x = fixture.inputs.matrix
        let routing = layer.route(x)
        #expect(routing.selected == expected.selected)
        #expect(UpscaleSupport.maxAbsDifference(routing.logits, expected.logits.matrix) < 1e-4)
        #expect(UpscaleSupport.maxAbsDifference(routing.probabilities, expected.probabilities.matrix) < 1e-4)
        #expect(UpscaleSupport.maxAbsDifference(routing.weights, expected.routing_weights.matrix) < 1e-4)
        #expect(UpscaleSupport.maxAbsDifference(layer.forward(x), expected.outputs.matrix) < 1e-4)
        for (expert, update) in zip(layer.experts, expected.expert_updates) {
            #expect(UpscaleSupport.maxAbsDifference(expert.weightDelta, update.matrix) < 1e-4)
        }
    }

    @Test func fixtureIsPresent() throws {
        #expect(Self.cases.count == 5)
    }
}
