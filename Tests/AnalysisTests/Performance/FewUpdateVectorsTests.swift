import Foundation
import Testing
@testable import Analysis

/// A dense update of small 90%-energy rank: all σ by the two-stage reduction and its few leading vectors
/// by certified block iteration on the Double Gram matrix, against the exact (one-stage) path and the
/// Double SVD; and each way the iteration must hand over to the exact path.
@Suite struct FewUpdateVectorsTests {
    /// m×n: a rank-6 part with σ = 10, 8, 6, 5, 4, 3 plus Gaussian noise (≈ 1% of the energy): rank90 = 5.
    static func lowRankUpdate(_ m: Int = 900, _ n: Int = 700, seed: UInt64 = 143) -> MatrixF {
        let u = RandomMatrices.gaussian(m, 6, seed: seed).qr().orthonormal
        let vt = RandomMatrices.gaussian(6, n, seed: seed &+ 1).lq().orthonormal
        return u.scalingColumns(by: [10, 8, 6, 5, 4, 3]) * vt + RandomMatrices.gaussian(m, n, seed: seed &+ 2, scale: 0.002)
    }

    /// The 90%-energy rank of σ and its Ky Fan bound from Ritz values, as the layer analysis uses them.
    static func rank90(_ sigma: [Float]) -> Int { UpdateSpectrum(singularValues: sigma.map(Double.init), baseNorm: 1).rank(holding: 0.9) }
    static func bound(_ ritz: [Double], _ trace: Double) -> Int? {
        var running = 0.0
        for (j, theta) in ritz.enumerated() {
            running += theta
            if running >= 0.9 * trace { return j + 1 }
        }
        return nil
    }

    static func gram(_ w: MatrixF) -> Matrix<Double> {
        let d = w.converted(to: Double.self)
        return d.multiplied(by: d, transposingSelf: true)
    }

    @Test func fewVectorsByIterationAgreeWithTheExactPaths() throws {
        let delta = Self.lowRankUpdate()
        let g = Self.gram(delta)
        let iterated = try #require(try g.leadingEigenvectorsByIteration(keeping: { Self.rank90($0.map { Float(Swift.max(0, $0).squareRoot()) }) }, bound: Self.bound))
        #expect(iterated.vectors.rows == 5 && iterated.iterations < 40)
        let full = try g.symmetricEigendecomposition()
        for j in 0..<700 { #expect(abs(iterated.eigenvalues[j] - full.eigenvalues[j]) <= 1e-12 * full.eigenvalues[0], "λ_\(j)") }
        for i in 0..<5 {
            let cosine = (0..<700).reduce(0.0) { $0 + iterated.vectors[i, $1] * full.vectors[i, $1] }
            #expect(abs(abs(cosine) - 1) <= 1e-12, "vector \(i): cos \(cosine)")
        }
        // Through the thin SVD: the same σ and the same kept pairs (up to sign) as the one-stage path and
        // as the Double SVD.
        let exact = try delta.converted(to: Double.self).singularValueDecomposition()
        let (fast, values) = try #require(try delta.singularValueDecompositionFromGram(keepingVectors: Self.rank90, vectorBound: Self.bound))
        let (slow, slowValues) = try #require(try delta.singularValueDecompositionFromGram(keepingVectors: Self.rank90))
        #expect(fast.rank == 5 && slow.rank == 5)
        for (j, (s, t)) in zip(values, exact.singularValues).enumerated() {
            #expect(abs(Double(s) - t) <= 3e-8 * exact.singularValues[0] + 1e-6 * t, "σ_\(j): \(s) vs \(t)")
            #expect(abs(Double(s) - Double(slowValues[j])) <= 1e-6 * Double(slowValues[0]), "σ_\(j) vs one-stage")
        }
        let uu = fast.u.converted(to: Double.self).multiplied(by: exact.u, transposingSelf: true)
        let vv = fast.vt.converted(to: Double.self).multiplied(by: exact.vt, transposingOther: true)
        for j in 0..<5 { #expect(abs(abs(uu[j, j]) - 1) <= 1e-6 && abs(abs(vv[j, j]) - 1) <= 1e-6, "pair \(j)") }
        #expect(fast.orthonormalityError <= 1e-6)
    }

    /// Energy spread over hundreds of directions: the Ritz values of a 64-wide block never hold 90% of
    /// the trace, so the probe gives up before any eigenvalue is computed; the Gram SVD then takes the
    /// exact path and equals it.
    @Test func spreadSpectrumFallsBackBeforeComputingValues() throws {
        let delta = RandomMatrices.gaussian(800, 600, seed: 144, scale: 0.01)
        let g = Self.gram(delta)
        var asked = false
        let iterated = try g.leadingEigenvectorsByIteration(keeping: { _ in asked = true; return 1 }, bound: Self.bound)
        #expect(iterated == nil && !asked)
        let (fast, values) = try #require(try delta.singularValueDecompositionFromGram(keepingVectors: Self.rank90, vectorBound: Self.bound))
        let (slow, slowValues) = try #require(try delta.singularValueDecompositionFromGram(keepingVectors: Self.rank90))
        #expect(fast.rank == slow.rank && fast.rank > 200)
        Self.expectSameRounding(fast, values, slow, slowValues)
    }

    /// Every other hand-over: a matrix below `minimumSize`, more vectors asked than the block can
    /// certify, and too few iterations to certify — nil, and the Gram SVD equals the exact path.
    @Test func fallbackTriggers() throws {
        let delta = Self.lowRankUpdate()
        let g = Self.gram(delta)
        let keep = { (lambda: [Double]) in Self.rank90(lambda.map { Float(Swift.max(0, $0).squareRoot()) }) }
        #expect(try g.leadingEigenvectorsByIteration(keeping: keep, bound: Self.bound, settings: LeadingEigenvectorIteration(minimumSize: 701)) == nil)
        #expect(try g.leadingEigenvectorsByIteration(keeping: { _ in 49 }, bound: { _, _ in 5 }) == nil)
        #expect(try g.leadingEigenvectorsByIteration(keeping: keep, bound: Self.bound, settings: LeadingEigenvectorIteration(maxIterations: 1)) == nil)
        #expect(try Self.gram(Self.lowRankUpdate(600, 500)).leadingEigenvectorsByIteration(keeping: keep, bound: Self.bound) == nil)
        let few = LeadingEigenvectorIteration(maxIterations: 1)
        let (fast, values) = try #require(try delta.singularValueDecompositionFromGram(keepingVectors: Self.rank90, vectorBound: Self.bound, iteration: few))
        let (slow, slowValues) = try #require(try delta.singularValueDecompositionFromGram(keepingVectors: Self.rank90))
        Self.expectSameRounding(fast, values, slow, slowValues)
        var bad = g
        bad[0, 1] = .nan
        #expect(throws: LinearAlgebraError.self) { _ = try bad.leadingEigenvectorsByIteration(keeping: keep, bound: Self.bound, context: "bad") }
    }

    /// After a hand-over the Gram SVD runs the exact path again (that the iteration gave up is asserted
    /// on its own), so the two results are one computation rounded twice. They were compared bit for bit,
    /// but OpenBLAS's reductions follow its thread count, which other tests change meanwhile: σ and the
    /// factors come out of float32 products of inner dimension k = max(m, n) (and Double stages whose
    /// run-to-run differences, ≈ n·ε₆₄·λ₁/gap, stay far below float32), so they may differ by
    /// 2·√k·ε₃₂ relative to σ₁ (values) and to the unit columns (vectors), about 7e-6 for k = 900. That
    /// the exact path ran at all is shown by the iteration handing over, asserted above.
    static func expectSameRounding(_ fast: SingularValueDecomposition<Float>, _ values: [Float], _ slow: SingularValueDecomposition<Float>, _ slowValues: [Float]) {
        let tolerance = 2 * RoundingTolerance.float32Product(innerDimension: Swift.max(slow.u.rows, slow.vt.columns))
        #expect(values.count == slowValues.count && fast.rank == slow.rank)
        for (x, y) in zip(values, slowValues) { #expect(abs(Double(x) - Double(y)) <= tolerance * Double(slowValues[0]), "σ \(x) vs \(y)") }
        for (a, b) in [(fast.u, slow.u), (fast.vt, slow.vt)] {
            #expect(a.rows == b.rows && a.columns == b.columns)
            for (x, y) in zip(a.elements, b.elements) { #expect(abs(Double(x) - Double(y)) <= tolerance, "vector entry \(x) vs \(y)") }
        }
    }

    /// Whole layers, T = 1 (values only: two-stage vs `sgesdd`) and T = 3 (few vectors by iteration vs
    /// the one-stage path): the same energies, spectra, interference and similarity.
    @Test(arguments: [1, 3])
    func layerAgreesWithTheOneStagePath(tasks: Int) throws {
        let (m, n) = (640, 560)
        let base = SpectralMatrices.decaying(m, n, seed: 145)
        let updates: [WeightUpdate] = (0..<tasks).map { .dense(0.01 * Self.lowRankUpdate(m, n, seed: 146 + UInt64($0) * 5)) }
        let names = (0..<tasks).map { "t\($0)" }
        let fast = try LayerAnalyzer(compute: ComputeSettings(twoStageSpectra: true)).analyze(name: "w", base: base, updates: updates, taskNames: names)
        let slow = try LayerAnalyzer(compute: ComputeSettings(twoStageSpectra: false)).analyze(name: "w", base: base, updates: updates, taskNames: names)
        #expect(fast.tasks.allSatisfy { $0.spectrum.effectiveRank90 == 5 })
        // Both paths compute the energy maps alike (the two-stage spectra come later), so they differ only
        // by rounding: E_ab = ‖P_ab‖²/‖ΔW‖²_F with the float32 core P = Uᵀ(ΔW V), two products of inner
        // dimension ≤ k = max(m, n), each ‖δ‖ ≲ √k·ε₃₂·‖ΔW‖_F (U, V orthonormal); so |δE_ab| ≤
        // 2·√E_ab·‖δP‖_F/‖ΔW‖_F ≤ 4·√k·ε₃₂ (E_ab ≤ 1), the blocks recovered as total − resolved sums
        // alike. ≈ 1.2e-5 for k = 640: a fraction of ‖ΔW‖², not a relative error of the block. (It was an
        // absolute 1e-9, which only held while OpenBLAS happened to sum both in the same order; it failed
        // once at 2.9e-9.)
        let energyTolerance = 4 * RoundingTolerance.float32Product(innerDimension: Swift.max(m, n))
        FastPathTests.expectAgreement(fast, slow)
        for (a, b) in zip(fast.tasks, slow.tasks) {
            for (s, t) in zip(a.spectrum.singularValues, b.spectrum.singularValues) { #expect(abs(s - t) <= 1e-6 * b.spectrum.singularValues[0]) }
            for (x, y) in zip(a.energy.energy.joined(), b.energy.energy.joined()) { #expect(abs(x - y) <= energyTolerance, "energy \(x) vs \(y)") }
        }
        if let fi = fast.interference, let si = slow.interference {
            #expect(fi.ranks == si.ranks)
            for (x, y) in zip(fi.gram.joined().joined(), si.gram.joined().joined()) { #expect(abs(x - y) <= 1e-5, "interference \(x) vs \(y)") }
            #expect(abs(fast.singularTaskInterference!.value - slow.singularTaskInterference!.value) <= 1e-5)
        }
    }
}
