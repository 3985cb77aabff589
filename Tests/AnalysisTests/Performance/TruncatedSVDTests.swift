import Foundation
import Testing
@testable import Analysis

/// The fast top-k paths (randomized subspace iteration, Gram + partial eigensolver) against the exact
/// LAPACK SVD: singular values, vectors and the intruder cosines they feed.
@Suite struct TruncatedSVDTests {
    static let settings = TruncatedSVDSettings(minimumRank: 32)

    static func check(_ fast: SingularValueDecomposition<Float>, against exact: SingularValueDecomposition<Float>, k: Int, valueTolerance: Double = 1e-5, vectorTolerance: Double = 1e-4) {
        #expect(fast.rank == k)
        for i in 0..<k {
            let relative = abs(Double(fast.singularValues[i] - exact.singularValues[i])) / Double(exact.singularValues[0])
            #expect(relative <= valueTolerance, "σ\(i) \(fast.singularValues[i]) vs \(exact.singularValues[i])")
            #expect(SpectralMatrices.absCos(fast.u.column(i), exact.u.column(i)) >= 1 - vectorTolerance, "u\(i)")
            #expect(SpectralMatrices.absCos(fast.vt.row(i), exact.vt.row(i)) >= 1 - vectorTolerance, "v\(i)")
        }
    }

    @Test(arguments: [(300, 200), (200, 300), (256, 256)])
    func randomizedMatchesExact(shape: (Int, Int)) throws {
        let a = SpectralMatrices.decaying(shape.0, shape.1, seed: 11)
        let exact = try a.singularValueDecomposition()
        let outcome = try a.topSingularTriplets(10, settings: Self.settings)
        #expect(!outcome.usedExactFallback)
        #expect(outcome.iterations >= 1 && outcome.iterations <= Self.settings.maxIterations)
        Self.check(outcome.decomposition, against: exact, k: 10)
    }

    @Test(arguments: [(300, 200), (200, 300), (256, 256)])
    func gramMatchesExact(shape: (Int, Int)) throws {
        let a = SpectralMatrices.decaying(shape.0, shape.1, seed: 12)
        let exact = try a.singularValueDecomposition()
        let outcome = try a.topSingularTripletsFromGram(10)
        #expect(!outcome.usedExactFallback)
        Self.check(outcome.decomposition, against: exact, k: 10)
    }

    @Test func flatSpectrumFallsBackToTheExactSVD() throws {
        // A Gaussian matrix has no gap to speak of: two iterations cannot certify, so the exact path runs.
        let a = RandomMatrices.gaussian(160, 140, seed: 13)
        var settings = Self.settings
        settings.maxIterations = 2
        let outcome = try a.topSingularTriplets(10, settings: settings)
        #expect(outcome.usedExactFallback)
        let exact = try a.singularValueDecomposition().truncated(to: 10)
        // The same LAPACK call; other tests may change the BLAS thread count meanwhile, which changes
        // the rounding, so compare at float32 rounding rather than bit for bit.
        for (x, y) in zip(outcome.decomposition.singularValues, exact.singularValues) { #expect(abs(x - y) <= 1e-5 * y) }
    }

    @Test func smallMatricesUseTheExactPath() throws {
        let a = SpectralMatrices.decaying(60, 50, seed: 14)
        let outcome = try a.topSingularTriplets(10)  // default minimumRank 1024
        #expect(outcome.iterations == 0 && !outcome.usedExactFallback)
        #expect(outcome.decomposition.singularValues == (try a.singularValueDecomposition()).truncated(to: 10).singularValues)
    }

    @Test func valuesOnlyMatchTheThinSVD() throws {
        for (m, n) in [(90, 40), (40, 90), (64, 64)] {
            let a = RandomMatrices.gaussian(m, n, seed: 15)
            let values = try a.singularValuesOnly()
            let exact = try a.singularValueDecomposition().singularValues
            #expect(values.count == exact.count)
            for (x, y) in zip(values, exact) { #expect(abs(x - y) <= 1e-5 * exact[0]) }
        }
        #expect(throws: LinearAlgebraError.self) { try MatrixF([[1, .nan], [0, 1]]).singularValuesOnly() }
    }

    /// Intruder cosines from each fast path agree with the exact path to 1e-4 (the reference tolerance),
    /// on a fine-tuned weight with a planted intruder direction.
    @Test func intrudersAgreeWithTheExactPath() throws {
        let base = SpectralMatrices.decaying(240, 200, seed: 16)
        let update = RandomMatrices.lowRank(240, 200, rank: 2, seed: 17, scale: 40)
        let baseSVD = try base.singularValueDecomposition()
        let fineTuned = base + update.dense
        let exact = IntruderDimensions(fineTuned: try fineTuned.singularValueDecomposition(), base: baseSVD)
        for fast in [try fineTuned.topSingularTriplets(10, settings: Self.settings), try fineTuned.topSingularTripletsFromGram(10)] {
            let intruders = IntruderDimensions(fineTuned: fast.decomposition, base: baseSVD)
            #expect(intruders.intruders == exact.intruders)
            for (x, y) in zip(intruders.maxCosine, exact.maxCosine) { #expect(abs(x - y) <= 1e-4, "\(x) vs \(y)") }
        }
    }
}

/// Cholesky-QR re-orthonormalization of drifted factors keeps σ and every leading subspace.
@Suite struct ReorthonormalizationTests {
    @Test func driftedFactorsAreRepairedAndSpansKept() throws {
        let exact = try SpectralMatrices.decaying(90, 60, seed: 51).singularValueDecomposition()
        // Drift: U ← U (I + E), V ← V (I + E) with E small upper triangular (keeps leading spans).
        var e = MatrixF(identity: 60)
        var rng = SplitMix64(seed: 52)
        for i in 0..<60 { for j in i..<60 { e[i, j] += Float(1e-4 * rng.nextGaussian()) } }
        let drifted = SingularValueDecomposition(u: exact.u * e, singularValues: exact.singularValues, vt: e.multiplied(by: exact.vt, transposingSelf: true))
        #expect(drifted.orthonormalityError > 1e-5)
        let fixed = drifted.reorthonormalized()
        #expect(fixed.before > 1e-5 && fixed.after < 2e-6)
        #expect(fixed.decomposition.singularValues == exact.singularValues)
        for k in [1, 7, 30] {
            // ‖U_kᵀ U'_k‖²_F = k when the leading k-dimensional subspaces coincide.
            let overlap = exact.u.columns(0..<k).multiplied(by: fixed.decomposition.u.columns(0..<k), transposingSelf: true).frobeniusNormSquared
            #expect(abs(Double(overlap) - Double(k)) < 1e-4, "U span \(k)")
            let right = exact.vt.rows(0..<k).multiplied(by: fixed.decomposition.vt.rows(0..<k), transposingOther: true).frobeniusNormSquared
            #expect(abs(Double(right) - Double(k)) < 1e-4, "V span \(k)")
        }
    }

    @Test func orthonormalFactorsAreLeftAlone() throws {
        let exact = try SpectralMatrices.decaying(40, 30, seed: 53).singularValueDecomposition()
        let result = exact.reorthonormalized()
        #expect(result.decomposition.u == exact.u && result.decomposition.vt == exact.vt)
        #expect(result.before <= 4e-6)
    }
}
