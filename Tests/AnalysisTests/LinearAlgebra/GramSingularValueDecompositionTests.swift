import Foundation
import Testing
@testable import Analysis

/// The Double-Gram SVD against LAPACK's Double SVD of the same matrix (dgesdd, an independent path), its
/// factor invariants, and its refusals.
@Suite struct GramSingularValueDecompositionTests {
    @Test(arguments: [(60, 36), (36, 60), (48, 48)])
    func agreesWithTheDoubleLAPACKDecomposition(shape: (Int, Int)) throws {
        let (m, n) = shape
        let w = SpectralMatrices.decaying(m, n, seed: 61, decay: 0.9, floor: 0.01)
        let gram = try #require(try w.singularValueDecompositionFromGram(context: "w")).decomposition
        let exact = try w.converted(to: Double.self).singularValueDecomposition()
        let r = Swift.min(m, n)
        #expect(gram.u.rows == m && gram.u.columns == r && gram.vt.rows == r && gram.vt.columns == n)
        for (s, t) in zip(gram.singularValues, exact.singularValues) {
            #expect(abs(Double(s) - t) <= 1e-6 * t, "σ \(s) vs \(t)")
        }
        // Same singular vectors up to sign: |⟨u_j, u_j^exact⟩| = 1 (σ here are distinct by ≥ 1%).
        let uu = gram.u.converted(to: Double.self).multiplied(by: exact.u, transposingSelf: true)
        let vv = gram.vt.converted(to: Double.self).multiplied(by: exact.vt, transposingOther: true)
        for j in 0..<r {
            #expect(abs(abs(uu[j, j]) - 1) <= 1e-5, "u_\(j)")
            #expect(abs(abs(vv[j, j]) - 1) <= 1e-5, "v_\(j)")
        }
        #expect(gram.orthonormalityError <= 1e-6)
        let residual = (gram.reconstructed - w).frobeniusNorm / w.frobeniusNorm
        #expect(Double(residual) <= 1e-6)
    }

    /// κ = 2²⁹ (far beyond what U = W V Σ⁻¹ survives unaided) and a rank-3 matrix: the leading σ and the
    /// zone energies still match the Double SVD's, and the factors are orthonormal and reproduce W.
    @Test(arguments: [(40, 30), (30, 40), (32, 32)])
    func illConditionedAndRankDeficientMatrices(shape: (Int, Int)) throws {
        let (m, n) = shape
        let steep = SpectralMatrices.decaying(m, n, seed: 64, decay: 0.5, floor: 0)
        let lowRank = RandomMatrices.gaussian(m, 3, seed: 62) * RandomMatrices.gaussian(3, n, seed: 63)
        let delta = RandomMatrices.gaussian(m, n, seed: 69, scale: 0.1)
        // Beyond W's rank (3) the singular directions are an arbitrary completion, so for the rank-3
        // matrix only the energies involving the top zone (cut ≤ 3) are comparable.
        for (w, cuts, wholeMap) in [(steep, [1, 3, 10], true), (lowRank, [1, 3], false)] {
            let gram = try #require(try w.singularValueDecompositionFromGram(context: "w")).decomposition
            let exact = try w.converted(to: Double.self).singularValueDecomposition()
            let sigma1 = exact.singularValues[0]
            for (s, t) in zip(gram.singularValues, exact.singularValues) {
                #expect(abs(Double(s) - t) <= 1e-6 * sigma1 + (t > 1e-4 * sigma1 ? 1e-6 * t : 0), "σ \(s) vs \(t)")
            }
            #expect(gram.orthonormalityError <= 1e-6)
            #expect(Double((gram.reconstructed - w).frobeniusNorm / w.frobeniusNorm) <= 1e-6)
            let exactFloat = SingularValueDecomposition(u: exact.u.converted(to: Float.self), singularValues: exact.singularValues.map(Float.init), vt: exact.vt.converted(to: Float.self))
            for cut in cuts {
                let zones = ZoneSplit(rows: m, columns: n, cuts: [cut])
                let a = EnergyMap(projection: BasisProjection(update: .dense(delta), base: gram), zones: zones)
                let b = EnergyMap(projection: BasisProjection(update: .dense(delta), base: exactFloat), zones: zones)
                let pairs = wholeMap ? Array(zip(a.energy.joined(), b.energy.joined()))
                                     : [(a.top, b.top), (a.topCross, b.topCross), (a.middlePlusTail, b.middlePlusTail)]
                for (x, y) in pairs { #expect(abs(x - y) <= 1e-5, "κ \(wholeMap ? "steep" : "rank 3") cut \(cut): \(x) vs \(y)") }
            }
        }
    }

    @Test func refusesZeroAndNonFiniteMatrices() throws {
        #expect(try MatrixF(zeros: 20, 20).singularValueDecompositionFromGram() == nil)
        var bad = RandomMatrices.gaussian(8, 8, seed: 65)
        bad[2, 3] = .nan
        #expect(throws: LinearAlgebraError.self) { try bad.singularValueDecompositionFromGram(context: "bad") }
    }

    @Test func layerAnalyzerFallsBackToLAPACKForAZeroWeight() throws {
        let analyzer = LayerAnalyzer()
        var timings = LayerTimings()
        _ = try analyzer.decomposeBase(SpectralMatrices.decaying(30, 20, seed: 66), name: "w", timings: &timings)
        #expect(timings.baseFromGram)
        timings = LayerTimings()
        let svd = try analyzer.decomposeBase(MatrixF(zeros: 30, 20), name: "w", timings: &timings)
        #expect(!timings.baseFromGram)
        #expect(svd.rank == 20 && svd.singularValues.allSatisfy { $0 == 0 })
    }
}
