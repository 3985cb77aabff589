import CBLAS
import CLAPACKE

extension SingularValueDecomposition where Scalar == Float {
    /// The largest deviation from orthonormality of the factors: max |UᵀU − I| and max |VᵀV − I| (entries,
    /// Gram matrices by `ssyrk`).
    public var orthonormalityError: Double {
        Swift.max(u.columnOrthonormalityDeviation, vt.rowOrthonormalityDeviation)
    }

    /// The same decomposition with U and V re-orthonormalized by one step of Cholesky QR when they deviate
    /// from orthonormality by more than `tolerance` (entrywise on the Gram matrices): U ← U R⁻¹ with
    /// UᵀU = RᵀR, and likewise for V. R is upper triangular, so span(u₁…u_k) is unchanged for every k —
    /// the zones are the same subspaces, only made orthonormal again; σ is unchanged.
    ///
    /// Why: the float32 SVD of the system's LAPACK (OpenBLAS 0.3.21 here) returns factors whose
    /// orthonormality error grows with size (max |UᵀU − I| ≈ 2·10⁻⁶ at 1024², 5·10⁻⁶ at 4096² and
    /// 14336×4096, against ≈10⁻⁸ for numpy's OpenBLAS 0.3.31); summed over thousands of directions that
    /// inflated energies by up to 2·10⁻⁴ at 14336×4096 (benchmarks/RESULTS.md). Cholesky QR of a nearly
    /// orthonormal matrix restores orthonormality to float32 rounding for two GEMM-class passes (m·r² each).
    /// Returns `self` unchanged when already orthonormal within `tolerance`, or when a Gram matrix is not
    /// positive definite (zero-size or degenerate factors).
    ///
    /// - Parameter measured: these factors' ``orthonormalityError`` when the caller already measured it
    ///   (e.g. ``Matrix/singularValueDecompositionFromGram(keepingVectors:vectorBound:iteration:tolerance:context:)``
    ///   does on the way): then no Gram matrix is formed unless it exceeds `tolerance`.
    public func reorthonormalized(tolerance: Double = 4e-6, measured: Double? = nil) -> (decomposition: SingularValueDecomposition, before: Double, after: Double) {
        guard rank > 0 else { return (self, 0, 0) }
        let before = measured ?? orthonormalityError
        guard before > tolerance else { return (self, before, before) }
        let gu = u.multiplied(by: u, transposingSelf: true)
        let gv = vt.multiplied(by: vt, transposingOther: true)
        var result = self
        if Self.deviation(gu) > tolerance, let r = Self.cholesky(gu) {
            // U ← U R⁻¹: solve X·R = U in place (row-major, R upper).
            r.elements.withUnsafeBufferPointer { rp in
                result.u.elements.withUnsafeMutableBufferPointer { up in
                    cblas_strsm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit,
                                blasint(u.rows), blasint(rank), 1, rp.baseAddress!, blasint(rank), up.baseAddress!, blasint(rank))
                }
            }
        }
        if Self.deviation(gv) > tolerance, let r = Self.cholesky(gv) {
            // Vᵀ ← R⁻ᵀ Vᵀ: solve Rᵀ·X = Vᵀ in place.
            r.elements.withUnsafeBufferPointer { rp in
                result.vt.elements.withUnsafeMutableBufferPointer { vp in
                    cblas_strsm(CblasRowMajor, CblasLeft, CblasUpper, CblasTrans, CblasNonUnit,
                                blasint(rank), blasint(vt.columns), 1, rp.baseAddress!, blasint(rank), vp.baseAddress!, blasint(vt.columns))
                }
            }
        }
        return (result, before, result.orthonormalityError)
    }

    /// max |G − I| over entries.
    static func deviation(_ g: MatrixF) -> Double {
        var worst = 0.0
        for i in 0..<g.rows {
            for j in 0..<g.columns { worst = Swift.max(worst, abs(Double(g[i, j]) - (i == j ? 1 : 0))) }
        }
        return worst
    }

    /// Upper R with G = RᵀR (row-major), or nil when G is not positive definite.
    static func cholesky(_ g: MatrixF) -> MatrixF? {
        var r = g
        let info = r.elements.withUnsafeMutableBufferPointer { p in
            LAPACKE_spotrf(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "U")), Int32(g.rows), p.baseAddress!, Int32(g.rows))
        }
        guard info == 0 else { return nil }
        for i in 0..<r.rows {
            for j in 0..<i { r[i, j] = 0 }
        }
        return r
    }
}
