import Foundation
import Testing
@testable import Analysis

/// `--gate-k auto`: the probe construction, the search, the neutral-routing summary, and the real
/// MiniLM full fine-tunes (near-chance routing at FusionBench's gate_k 1).
@Suite struct GateRankAutoTests {
    /// Three overlapping updates of a 40×48 layer (rank 10 each, sharing part of their input subspace).
    static func decompositions(seed: UInt64) throws -> (weight: MatrixF, decompositions: [UpdateDecomposition]) {
        var rng = SplitMix64(seed: seed)
        let shared = rng.gaussianMatrix(4, 48)
        let updates = try (0..<3).map { _ in
            let a = MatrixF(rows: 10, columns: 48, elements: rng.gaussianMatrix(6, 48).elements + shared.elements)
            return try UpdateDecomposition(.dense(rng.gaussianMatrix(40, 10) * a), context: "test")
        }
        return (rng.gaussianMatrix(40, 48), updates)
    }

    @Test func taskProbesLieInTheirExpertsSubspace() throws {
        let (weight, decompositions) = try Self.decompositions(seed: 1)
        let probes = try RoutingProbes(weight: weight, decompositions: decompositions, rank: 4, samples: 16, seed: 9, neutral: true, context: "t")
        #expect(probes.taskInputs.rows == 48 && probes.owners == (0..<3).flatMap { Array(repeating: $0, count: 16) })
        #expect(probes.probeRanks == [4, 4, 4])
        #expect(probes.neutralInputs.rows == 16)
        for r in 0..<probes.taskInputs.rows {
            let x = probes.taskInputs.rows(r..<(r + 1))
            let v = decompositions[probes.owners[r]].svd.vt.rows(0..<4)
            let residual = x - x.multiplied(by: v, transposingOther: true).multiplied(by: v)
            #expect(UpscaleSupport.rowNorm(residual, 0) <= 1e-4 * UpscaleSupport.rowNorm(x, 0))
        }
        // Neutral probes lie in W_pre's top-4 input subspace.
        let top = try weight.singularValueDecomposition().vt.rows(0..<4)
        for r in 0..<16 {
            let x = probes.neutralInputs.rows(r..<(r + 1))
            let residual = x - x.multiplied(by: top, transposingOther: true).multiplied(by: top)
            #expect(UpscaleSupport.rowNorm(residual, 0) <= 1e-4 * UpscaleSupport.rowNorm(x, 0))
        }
    }

    @Test func searchFindsTheSmallestGateRankReachingTheTarget() throws {
        let (weight, decompositions) = try Self.decompositions(seed: 2)
        let probes = try RoutingProbes(weight: weight, decompositions: decompositions, rank: 10, samples: 64, seed: 5, neutral: false, context: "t")
        let all = LayerRouting.meanAccuracies(probes, decompositions: decompositions, limit: 10, topK: 1, target: nil)
        #expect(all.count == 10)
        for target in [0.5, 0.8, 0.95] {
            let (g, search) = LayerRouting.search(probes, decompositions: decompositions, limit: 10, topK: 1, target: target)
            if let first = all.firstIndex(where: { $0 >= target }) {
                #expect(g == first + 1 && search.reached)
                #expect(search.meanAccuracyByGateK == Array(all.prefix(g)))
            } else {
                #expect(!search.reached && all[g - 1] == all.max())
            }
        }
        // Each mean is what a gate of that rank gives, measured by the stored-expert probes of RoutingAccuracy.
        for g in [1, 3, 6] {
            let layer = SmileLayer(base: PlainLinear(weight: weight, bias: nil), decompositions: decompositions, biasDeltas: nil, rank: 10, gateRank: g, topK: 1)
            let independent = RoutingAccuracy(layer: layer, samples: 64, probeRank: 10, seed: 5).mean!
            #expect(abs(independent - all[g - 1]) <= 2.0 / 64, "g \(g)")
        }
    }

    @Test func neutralInputsOutsideEveryUpdateAreRoutedUniformly() throws {
        // W_pre's top input directions are coordinates 0..<8; every update reads only coordinates 8..<24.
        var rng = SplitMix64(seed: 4)
        var weight = rng.gaussianMatrix(20, 24, scale: 0.01)
        for j in 0..<8 { weight[j, j] = 10 + Float(j) }
        let decompositions = try (0..<3).map { _ -> UpdateDecomposition in
            var update = rng.gaussianMatrix(20, 24)
            for r in 0..<20 { for c in 0..<8 { update[r, c] = 0 } }
            return try UpdateDecomposition(.dense(update), context: "t")
        }
        let probes = try RoutingProbes(weight: weight, decompositions: decompositions, rank: 6, samples: 32, seed: 1, neutral: true, context: "t")
        let routing = LayerRouting(probes, decompositions: decompositions, gateK: 4, topK: 1, samples: 32, search: nil)
        let neutral = try #require(routing.neutral)
        #expect(abs(neutral.maxProbability - 1.0 / 3) < 1e-3)
        #expect(neutral.entropy > 0.999)
        #expect(abs(neutral.routedShare.reduce(0, +) - 1) < 1e-12)
        #expect(routing.defaultGateK == 1 && routing.gateK == 4)
    }

    @Test(.enabled(if: Fixtures.miniLM != nil, "MiniLM family not present"))
    func autoGateRankMakesTheMiniLMRoutersRoute() throws {
        let root = try #require(Fixtures.miniLM)
        let family = try ModelFamily.open(base: root.appendingPathComponent("base").path,
                                          models: ["mansec", "codelang", "pyeco"].map { root.appendingPathComponent("full-\($0)").path })
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let options = SmileUpscaleOptions(expertRank: .fixed(32), probeSamples: 32, routingTarget: 0.9)
        let report = try SmileUpscaler(options: options).upscale(family, to: directory.appendingPathComponent("smile"))
        #expect(report.layers.count == 12)
        for layer in report.layers {
            let routing = try #require(layer.routing)
            #expect(routing.probeRank == 32)
            #expect(routing.defaultGateK == 1)
            #expect(try #require(routing.defaultMeanAccuracy) <= 0.7, "\(layer.module): FusionBench's gate_k 1")
            #expect(try #require(routing.meanAccuracy) >= 0.9, "\(layer.module)")
            #expect(try #require(routing.search).reached)
            #expect(layer.gateK == routing.gateK && layer.gateK > 1 && layer.gateK <= 32)
            // No expert is strongly preferred on inputs from W_pre's top subspace.
            #expect(try #require(routing.neutral).maxProbability < 0.6, "\(layer.module)")
        }
        #expect(report.config.routingTarget == 0.9)
    }
}
