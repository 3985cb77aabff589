import Testing
@testable import Analysis

/// Invariants of the thin SVD: orthonormal factors, descending non-negative σ, exact reconstruction.
@Suite struct SingularValueDecompositionTests {
    static func seededMatrix(_ m: Int, _ n: Int, seed: UInt64) -> MatrixF {
        var rng = SplitMix64(seed: seed)
        return MatrixF(rows: m, columns: n, elements: (0..<(m * n)).map { _ in Float(rng.nextGaussian()) })
    }

    @Test(arguments: [(5, 3), (3, 5), (4, 4), (1, 6), (6, 1), (40, 17)])
    func factorsAreOrthonormalAndReconstruct(shape: (Int, Int)) throws {
        let a = Self.seededMatrix(shape.0, shape.1, seed: 7)
        let svd = try a.singularValueDecomposition()
        let r = min(shape.0, shape.1)
        #expect(svd.u.rows == shape.0 && svd.u.columns == r)
        #expect(svd.vt.rows == r && svd.vt.columns == shape.1)
        let utu = svd.u.multiplied(by: svd.u, transposingSelf: true)
        let vvt = svd.vt.multiplied(by: svd.vt, transposingOther: true)
        for i in 0..<r {
            for j in 0..<r {
                #expect(abs(utu[i, j] - (i == j ? 1 : 0)) < 1e-5)
                #expect(abs(vvt[i, j] - (i == j ? 1 : 0)) < 1e-5)
            }
        }
        #expect(zip(svd.singularValues, svd.singularValues.dropFirst()).allSatisfy { $0 >= $1 })
        #expect(svd.singularValues.allSatisfy { $0 >= 0 })
        let residual = (svd.reconstructed - a).frobeniusNorm / a.frobeniusNorm
        #expect(residual < 1e-5)
    }

    @Test func nonFiniteInputIsRejectedWithItsContext() {
        var a = Self.seededMatrix(3, 3, seed: 1)
        a[1, 1] = .nan
        #expect(throws: LinearAlgebraError.nonFiniteInput(context: "layer.q")) { try a.singularValueDecomposition(context: "layer.q") }
    }

    @Test func doublePathMatchesFloatPath() throws {
        let a = Self.seededMatrix(9, 6, seed: 3)
        let s32 = try a.singularValues()
        let s64 = try a.converted(to: Double.self).singularValues()
        for (x, y) in zip(s32, s64) { #expect(abs(Double(x) - y) < 1e-4 * max(1, y)) }
    }
}
