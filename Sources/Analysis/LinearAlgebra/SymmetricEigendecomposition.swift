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
        var vectors = self
        let eigenvalues = try vectors.diagonalizeSymmetric(context: context)
        return SymmetricEigendecomposition(eigenvalues: eigenvalues, vectors: vectors)
    }

    /// The eigendecomposition of this symmetric matrix in place: returns λ₁ ≥ … ≥ λₙ and leaves Qᵀ (row i
    /// = the eigenvector of λᵢ) in `self`, without the n×n copy ``symmetricEigendecomposition(context:)``
    /// makes (for large Gram matrices, where n² Doubles matter).
    /// - Throws: ``LinearAlgebraError`` for non-finite input or non-convergence (`self` is then undefined).
    public mutating func diagonalizeSymmetric(context: String = "matrix") throws -> [Scalar] {
        precondition(rows == columns, "eigendecomposition needs a square matrix")
        let n = rows
        guard n > 0 else { return [] }
        guard isFinite else { throw LinearAlgebraError.nonFiniteInput(context: context) }
        var w = [Scalar](repeating: 0, count: n)
        let info = elements.withUnsafeMutableBufferPointer { ap in
            w.withUnsafeMutableBufferPointer { wp in Scalar.syevd(n: n, a: ap.baseAddress!, w: wp.baseAddress!) }
        }
        if info < 0 { throw LinearAlgebraError.lapackArgument(routine: "syevd", context: context, info: info) }
        if info > 0 { throw LinearAlgebraError.eigenDidNotConverge(context: context, info: info) }
        // LAPACK's eigenvectors are its columns = our rows, ascending: reverse the row order in place.
        elements.withUnsafeMutableBufferPointer { ap in
            for i in 0..<(n / 2) {
                for j in 0..<n { ap.swapAt(i * n + j, (n - 1 - i) * n + j) }
            }
        }
        return w.reversed()
    }
}
