import Foundation
import Testing
@testable import Analysis

/// All eigenvalues with only the leading eigenvectors (one tridiagonal reduction, MRRR or divide and
/// conquer for the vectors) against LAPACK's full Double eigendecomposition (`dsyevd`) and against the
/// Double SVD (`dgesdd`) of the matrix whose Gram matrix is decomposed.
@Suite struct LeadingEigenvectorsTests {
    /// G = AᵀA for a 90×60 A with distinct singular values (so every eigenvector is defined up to sign).
    static func gram() -> (a: Matrix<Double>, g: Matrix<Double>) {
        let a = SpectralMatrices.decaying(90, 60, seed: 81, decay: 0.95, floor: 0.01).converted(to: Double.self)
        return (a, a.multiplied(by: a, transposingSelf: true))
    }

    /// k = 7 and 30 take MRRR (k ≤ n/2), 45 and 60 divide and conquer; 0 forms no vector.
    @Test(arguments: [0, 7, 30, 45, 60])
    func agreesWithTheFullDecompositions(k: Int) throws {
        let (a, g) = Self.gram()
        var reduced = g
        let (values, vectors) = try reduced.leadingEigenvectors(keeping: { _ in k })
        let full = try g.symmetricEigendecomposition()
        let svd = try a.singularValueDecomposition()
        #expect(values.count == 60 && vectors.rows == k && vectors.columns == 60)
        let scale = full.eigenvalues[0]
        for (j, (x, y)) in zip(values, full.eigenvalues).enumerated() {
            #expect(abs(x - y) <= 1e-13 * scale, "λ_\(j): \(x) vs \(y)")
            let s = svd.singularValues[j]
            #expect(abs(x - s * s) <= 1e-13 * scale, "λ_\(j) vs σ²: \(x) vs \(s * s)")
        }
        for i in 0..<k {
            let q = Array(vectors.elements[(i * 60)..<((i + 1) * 60)])
            // Residual ‖G q − λ q‖ and agreement up to sign with dsyevd's and dgesdd's vectors.
            let gq = g * Matrix(rows: 60, columns: 1, elements: q)
            let residual = (0..<60).reduce(0.0) { $0 + pow(gq[$1, 0] - values[i] * q[$1], 2) }.squareRoot()
            #expect(residual <= 1e-12 * scale, "residual \(i)")
            let withFull = (0..<60).reduce(0.0) { $0 + q[$1] * full.vectors[i, $1] }
            let withSVD = (0..<60).reduce(0.0) { $0 + q[$1] * svd.vt[i, $1] }
            #expect(abs(abs(withFull) - 1) <= 1e-9, "vector \(i) vs dsyevd")
            #expect(abs(abs(withSVD) - 1) <= 1e-9, "vector \(i) vs dgesdd")
        }
        if k > 0 {
            let qqt = vectors.multiplied(by: vectors, transposingOther: true)
            for i in 0..<k { for j in 0..<k { #expect(abs(qqt[i, j] - (i == j ? 1 : 0)) <= 1e-12) } }
        }
    }

    @Test func refusesNonFiniteInput() {
        var bad = Self.gram().g
        bad[3, 4] = .infinity
        #expect(throws: LinearAlgebraError.self) { _ = try bad.leadingEigenvectors(keeping: { _ in 3 }, context: "bad") }
    }
}
