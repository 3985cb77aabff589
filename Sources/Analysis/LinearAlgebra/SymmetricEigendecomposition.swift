/// Eigendecomposition S = Q·diag(λ)·Qᵀ of a real symmetric n×n matrix (for Gram matrices such as
/// AᵀA or VᵢᵀVⱼ products), by LAPACK `syevd`.
///
/// Eigenvalues are returned **descending** (LAPACK gives them ascending; we reverse so they line up with
/// singular values), and `vectors` is n×n with row i holding the unit eigenvector of λᵢ (that is, `vectors`
/// is Qᵀ, row-major).
public struct SymmetricEigendecomposition<Scalar: LinearAlgebraScalar>: Sendable {
    /// λ₁ ≥ … ≥ λₙ.
    public var eigenvalues: [Scalar]
    /// Qᵀ: row i is the eigenvector of `eigenvalues[i]`.
    public var vectors: Matrix<Scalar>
}

extension Matrix {
    /// The eigendecomposition of this symmetric matrix (only the upper triangle is read).
    ///
    /// A symmetric matrix is its own transpose, so the row-major buffer is passed to LAPACK as is; the
    /// column-major eigenvector matrix LAPACK returns is, read row-major, Qᵀ.
    /// - Throws: ``LinearAlgebraError`` for non-finite input or non-convergence.
    public func symmetricEigendecomposition(context: String = "matrix") throws -> SymmetricEigendecomposition<Scalar> {
        precondition(rows == columns, "eigendecomposition needs a square matrix")
        let n = rows
        guard n > 0 else { return SymmetricEigendecomposition(eigenvalues: [], vectors: self) }
        guard isFinite else { throw LinearAlgebraError.nonFiniteInput(context: context) }
        var a = elements
        var w = [Scalar](repeating: 0, count: n)
        let info = a.withUnsafeMutableBufferPointer { ap in
            w.withUnsafeMutableBufferPointer { wp in Scalar.syevd(n: n, a: ap.baseAddress!, w: wp.baseAddress!) }
        }
        if info < 0 { throw LinearAlgebraError.lapackArgument(routine: "syevd", context: context, info: info) }
        if info > 0 { throw LinearAlgebraError.eigenDidNotConverge(context: context, info: info) }
        var vectors = [Scalar]()
        vectors.reserveCapacity(n * n)
        for i in stride(from: n - 1, through: 0, by: -1) { vectors.append(contentsOf: a[(i * n)..<((i + 1) * n)]) }
        return SymmetricEigendecomposition(eigenvalues: w.reversed(), vectors: Matrix(rows: n, columns: n, elements: vectors))
    }
}
