import Foundation
import Testing
@testable import Analysis

/// Eigenvalues by the two-stage tridiagonal reduction (no vectors; `dsyev_2stage` below 4·kd, its two
/// stages with band kd = 64 above) against LAPACK's one-stage `dsyevd` and the Double SVD (`dgesdd`), on
/// Gram matrices of condition κ² ≈ 2·10¹⁶.
@Suite struct TwoStageEigenvaluesTests {
    /// A 300×200 A with σⱼ = 0.91ʲ (κ ≈ 1.4·10⁸), as Float, and its Double SVD.
    static func illConditioned() throws -> (a: MatrixF, svd: SingularValueDecomposition<Double>) {
        let a = SpectralMatrices.decaying(300, 200, seed: 141, decay: 0.91, floor: 0)
        return (a, try a.converted(to: Double.self).singularValueDecomposition())
    }

    @Test func agreesWithDsyevdAndDgesddOnAnIllConditionedGram() throws {
        let (a, svd) = try Self.illConditioned()
        #expect(svd.singularValues[0] / svd.singularValues[199] > 1e7)
        try Self.expectTwoStageAgrees(a.converted(to: Double.self), svd: svd)
    }

    /// The two-stage eigenvalues of AᵀA (n = A's columns): n of them, descending, each within 10⁻¹³·λ₁ of
    /// `dsyevd`'s and of σⱼ² from `svd` (A's Double SVD).
    static func expectTwoStageAgrees(_ a: Matrix<Double>, svd: SingularValueDecomposition<Double>) throws {
        let g = a.multiplied(by: a, transposingSelf: true)
        var reduced = g
        let values = try reduced.eigenvaluesByTwoStageReduction()
        let full = try g.symmetricEigendecomposition()
        #expect(values.count == a.columns)
        let scale = full.eigenvalues[0]
        for j in 0..<a.columns {
            #expect(abs(values[j] - full.eigenvalues[j]) <= 1e-13 * scale, "λ_\(j): \(values[j]) vs dsyevd \(full.eigenvalues[j])")
            let s = svd.singularValues[j]
            #expect(abs(values[j] - s * s) <= 1e-13 * scale, "λ_\(j) vs σ²: \(values[j]) vs \(s * s)")
            if j > 0 { #expect(values[j] <= values[j - 1]) }
        }
    }

    /// n = 320 ≥ 4·kd takes the stages with the wider band: the same λ as `dsyevd` and the Double SVD
    /// to 10⁻¹³·λ₁, descending, on a Gram matrix whose σ decay as 0.93ʲ (κ² ≈ 10²⁰, so the tail is at
    /// rounding level and only the absolute bound means anything there).
    @Test func theWideBandStagesAgreeWithDsyevd() throws {
        #expect(320 >= 4 * Matrix<Double>.twoStageBandwidth)
        let a = SpectralMatrices.decaying(400, 320, seed: 142, decay: 0.93, floor: 0).converted(to: Double.self)
        try Self.expectTwoStageAgrees(a, svd: try a.singularValueDecomposition())
    }

    /// σ of a tall and a wide Float matrix from the Gram matrix's two-stage eigenvalues: within
    /// √ε_d·σ₁ (plus 10⁻⁶ relative) of the Double SVD's, and within a Float SVD's own error of `sgesdd`'s.
    @Test func singularValuesFromGramMatchTheDoubleSVD() throws {
        let (a, svd) = try Self.illConditioned()
        for w in [a, a.transposed] {
            let values = try w.singularValuesFromGram(context: "w")
            let lapack = try w.singularValuesOnly(context: "w")
            let sigma1 = svd.singularValues[0]
            #expect(values.count == 200)
            for (j, (s, t)) in zip(values, svd.singularValues).enumerated() {
                #expect(abs(Double(s) - t) <= 3e-8 * sigma1 + 1e-6 * t, "σ_\(j): \(s) vs \(t)")
                #expect(abs(Double(s) - Double(lapack[j])) <= 1e-6 * sigma1, "σ_\(j) vs sgesdd")
            }
        }
    }

    @Test func edgeCases() throws {
        #expect(try MatrixF(zeros: 0, 5).singularValuesFromGram().isEmpty)
        #expect(try MatrixF(zeros: 30, 20).singularValuesFromGram() == [Float](repeating: 0, count: 20))
        var bad = Matrix<Double>(zeros: 4, 4)
        bad[1, 2] = .nan
        #expect(throws: LinearAlgebraError.self) { _ = try bad.eigenvaluesByTwoStageReduction(context: "bad") }
        #expect(throws: LinearAlgebraError.self) { _ = try MatrixF([[1, .infinity], [0, 1]]).singularValuesFromGram(context: "bad") }
    }
}
