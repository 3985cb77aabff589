import Foundation
import Testing
@testable import Analysis

/// Rank selection, plain layers, the policy spelling and option validation.
@Suite struct UpscaleOptionsTests {
    static func decomposition(_ sigmas: [Float], rows: Int = 6, columns: Int = 6) throws -> UpdateDecomposition {
        var d = MatrixF(zeros: rows, columns)
        for (j, s) in sigmas.enumerated() { d[j, j] = s }
        return try UpdateDecomposition(.dense(d), context: "test")
    }

    @Test func fixedRankClampsToTheLargestUpdateRank() throws {
        let a = try Self.decomposition([3, 2, 1]), b = try Self.decomposition([4, 1])
        #expect(a.numericalRank == 3 && b.numericalRank == 2)
        #expect(ExpertRankRule.fixed(128).rank(for: [a, b]) == 3)
        #expect(ExpertRankRule.fixed(2).rank(for: [a, b]) == 2)
        #expect(ExpertRankRule.fixed(5).rank(for: [try Self.decomposition([])]) == 1)
    }

    @Test func energyRankIsTheMaxOverExperts() throws {
        // a: energies 9, 4, 1 (of 14): 0.9 needs 2 (13/14 ≈ 0.93); b: 16, 1 (of 17): 0.9 needs 1.
        let a = try Self.decomposition([3, 2, 1]), b = try Self.decomposition([4, 1])
        #expect(ExpertRankRule.energy(0.9, maximum: nil).rank(for: [a, b]) == 2)
        #expect(ExpertRankRule.energy(0.99, maximum: nil).rank(for: [a, b]) == 3)
        #expect(ExpertRankRule.energy(0.99, maximum: 2).rank(for: [a, b]) == 2)
        #expect(abs(a.energyKept(rank: 2) - 13.0 / 14) < 1e-6 && a.truncationError(rank: 2) == 1 && a.truncationError(rank: 3) == 0)
    }

    @Test func zeroLayersStayPlainAndKeepTheirNames() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var rng = SplitMix64(seed: 2)
        let w = Tensor(rng.gaussianMatrix(5, 4)), frozen = Tensor(rng.gaussianMatrix(3, 5))
        let bias = Tensor(shape: [3], values: [0.1, 0.2, 0.3])
        let family = try UpscaleSupport.writeFamily(
            base: ["trained.weight": w, "frozen.weight": frozen, "frozen.bias": bias],
            models: [["trained.weight": Tensor(rng.gaussianMatrix(5, 4)), "frozen.bias": Tensor(shape: [3], values: [0.3, 0.2, 0.1])],
                     ["trained.weight": Tensor(rng.gaussianMatrix(5, 4))]],
            in: directory)
        let out = directory.appendingPathComponent("out")
        let report = try SmileUpscaler().upscale(family, to: out)
        #expect(report.config.plainLinear == ["frozen"] && report.layers.map(\.module) == ["trained"])
        let checkpoint = try Checkpoint(url: out)
        #expect(try checkpoint.tensor("frozen.weight") == frozen)
        #expect(try checkpoint.tensor("frozen.bias").values == [0.2, 0.2, 0.2], "the bias of a plain layer follows the policy (average)")
        #expect(checkpoint.info("trained.experts.1.u")?.shape == [5, 4] && checkpoint.info("trained.experts.0.bias") == nil && checkpoint.info("trained.pretrained_model.bias") == nil)
        #expect(report.config.otherTensors.count == 1)
    }

    @Test func policySpellings() {
        #expect(OtherTensorPolicy(argument: "average") == .average && OtherTensorPolicy(argument: "base") == .base)
        #expect(OtherTensorPolicy(argument: "model:alpha") == .model("alpha"))
        #expect(OtherTensorPolicy(argument: "model:") == nil && OtherTensorPolicy(argument: "mean") == nil)
        #expect(OtherTensorPolicy.model("x").description == "model:x")
    }

    @Test func invalidOptionsAreRefused() throws {
        let (family, directory) = try UpscaleSupport.demoFamily()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out")
        for options in [SmileUpscaleOptions(topK: 4), SmileUpscaleOptions(expertRank: .fixed(0)), SmileUpscaleOptions(gateRank: 0),
                        SmileUpscaleOptions(expertRank: .energy(1.5, maximum: nil)), SmileUpscaleOptions(maxShardBytes: 0)] {
            #expect(throws: UpscaleError.self) { try SmileUpscaler(options: options).upscale(family, to: out) }
        }
        #expect(throws: UpscaleError.noLinearLayers(reason: "no linear weight passes --include 'nothing-matches'")) {
            try SmileUpscaler(options: SmileUpscaleOptions(include: "nothing-matches")).upscale(family, to: out)
        }
        #expect(throws: FamilyAnalyzerError.self) { try SmileUpscaler(options: SmileUpscaleOptions(include: "(")).upscale(family, to: out) }
        #expect(UpscaleSupport.entries(directory) == ["alpha", "base", "beta", "gamma"])
    }
}
