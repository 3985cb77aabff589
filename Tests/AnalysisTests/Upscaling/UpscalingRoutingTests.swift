import Foundation
import Testing
@testable import Analysis

/// The router sends inputs drawn from task i's update subspace to expert i.
@Suite struct UpscalingRoutingTests {
    @Test func demoFamilyRoutesEachTaskToItsExpert() throws {
        let (family, directory) = try UpscaleSupport.demoFamily()
        defer { try? FileManager.default.removeItem(at: directory) }
        let upscaler = SmileUpscaler()
        for tensor in family.matched where tensor.isLinearWeight {
            let layer = try #require(try upscaler.layer(family, weight: tensor.name))
            // Probes in the subspace the router reads (V_{i,:g}): every one goes to its own expert.
            let gate = RoutingAccuracy(layer: layer, samples: 64, probeRank: layer.gate.gateRank, seed: 3)
            #expect(gate.perExpert == [1, 1, 1], "\(tensor.name): \(gate.perExpert)")
            // Probes from each expert's top-4 update directions: still mostly its own expert.
            let wider = RoutingAccuracy(layer: layer, samples: 64, probeRank: 4, seed: 4)
            for (i, accuracy) in wider.perExpert.enumerated() {
                #expect((accuracy ?? 0) >= 0.5, "\(tensor.name) expert \(i): \(wider.perExpert)")
            }
        }
    }

    @Test func probesComeFromTheStoredExpert() throws {
        // svh rows σⱼvⱼᵀ normalised are the right singular vectors; zero rows (padding) are skipped.
        let svh = MatrixF([[3, 0, 0], [0, 0, 0.5], [0, 0, 0]])
        let basis = RoutingAccuracy.rightSingularVectors(svh, limit: 5)
        #expect(basis == MatrixF([[1, 0, 0], [0, 0, 1]]))
        #expect(RoutingAccuracy.rightSingularVectors(svh, limit: 1) == MatrixF([[1, 0, 0]]))
        #expect(RoutingAccuracy.rightSingularVectors(MatrixF(zeros: 2, 3), limit: 2).rows == 0)
    }

    @Test func anAbsentUpdateHasNoProbesAndZeroGateRows() throws {
        var rng = SplitMix64(seed: 5)
        let base = PlainLinear(weight: rng.gaussianMatrix(6, 5))
        let layer = try #require(try SmileLayer.upscaling(
            base: base, updates: [.dense(rng.gaussianMatrix(6, 5)), .lowRank(b: MatrixF(zeros: 6, 0), a: MatrixF(zeros: 0, 5), scale: 1)],
            fineTunedBiases: nil, rank: .fixed(3), gateRank: 2, topK: 1, context: "absent"))
        #expect(layer.gate.weights.rows(2..<4) == MatrixF(zeros: 2, 5))
        #expect(layer.experts[1].weightDelta == MatrixF(zeros: 6, 5))
        let accuracy = RoutingAccuracy(layer: layer, samples: 16, seed: 1)
        #expect(accuracy.perExpert[0] == 1 && accuracy.perExpert[1] == nil)
        #expect(accuracy.mean == 1)
    }
}
