/// The thin singular value decomposition A = U·diag(σ)·Vᵀ of an m×n matrix, r = min(m, n).
///
/// - `u` is m×r with orthonormal columns (the left singular vectors, "out" side of a linear weight);
/// - `singularValues` holds σ₁ ≥ … ≥ σ_r ≥ 0;
/// - `vt` is r×n with orthonormal rows (row j is the right singular vector vⱼ, "in" side).
///
/// This is the layout of `numpy.linalg.svd(A, full_matrices=False)`. Singular vectors are defined up to a
/// joint sign flip of (uⱼ, vⱼ) (and up to a rotation inside repeated singular values); quantities built on
/// this type are invariant to both.
public struct SingularValueDecomposition<Scalar: LinearAlgebraScalar>: Sendable {
    /// Left singular vectors, m×r.
    public var u: Matrix<Scalar>
    /// Singular values, descending, length r.
    public var singularValues: [Scalar]
    /// Right singular vectors as rows, r×n.
    public var vt: Matrix<Scalar>

    /// Creates a decomposition from its factors. Preconditions: shapes agree.
    public init(u: Matrix<Scalar>, singularValues: [Scalar], vt: Matrix<Scalar>) {
        precondition(u.columns == singularValues.count && vt.rows == singularValues.count, "SVD factor shapes disagree")
        self.u = u
        self.singularValues = singularValues
        self.vt = vt
    }

    /// r = min(m, n).
    public var rank: Int { singularValues.count }

    /// U·diag(σ)·Vᵀ, formed densely (for tests and small matrices).
    public var reconstructed: Matrix<Scalar> { u.scalingColumns(by: singularValues) * vt }

    /// The decomposition truncated to its first `k` triplets (k clamped to 0…r); `self`, sharing its
    /// storage, when k ≥ r.
    public func truncated(to k: Int) -> SingularValueDecomposition {
        let k = Swift.max(0, Swift.min(k, rank))
        guard k < rank else { return self }
        return SingularValueDecomposition(u: u.columns(0..<k), singularValues: Array(singularValues.prefix(k)), vt: vt.rows(0..<k))
    }
}

extension Matrix {
    /// The thin SVD, computed by LAPACK `gesdd` with a fallback to `gesvd` when divide and conquer fails
    /// to converge.
    ///
    /// The row-major m×n buffer is handed to LAPACK as the column-major n×m matrix Aᵀ = V Σ Uᵀ. LAPACK's
    /// column-major "U" (n×r) is then, read row-major, exactly our r×n `vt`, and its column-major "Vᵀ"
    /// (r×m) is our row-major m×r `u`: no transposition is ever performed.
    ///
    /// - Parameter context: names the matrix (file and tensor) in any error.
    /// - Throws: ``LinearAlgebraError/nonFiniteInput(context:)`` for NaN/Inf input,
    ///   ``LinearAlgebraError/svdDidNotConverge(context:info:)`` when both routines fail.
    public func singularValueDecomposition(context: String = "matrix") throws -> SingularValueDecomposition<Scalar> {
        let r = minDimension
        guard r > 0 else {
            return SingularValueDecomposition(u: Matrix(zeros: rows, 0), singularValues: [], vt: Matrix(zeros: 0, columns))
        }
        guard isFinite else { throw LinearAlgebraError.nonFiniteInput(context: context) }
        var singularValues = [Scalar](repeating: 0, count: r)
        var uRowMajor = [Scalar](repeating: 0, count: rows * r)
        var vtRowMajor = [Scalar](repeating: 0, count: r * columns)
        for routine in ["gesdd", "gesvd"] {
            var work = elements
            let info = work.withUnsafeMutableBufferPointer { a in
                singularValues.withUnsafeMutableBufferPointer { s in
                    vtRowMajor.withUnsafeMutableBufferPointer { lapackU in
                        uRowMajor.withUnsafeMutableBufferPointer { lapackVt in
                            routine == "gesdd"
                                ? Scalar.gesdd(m: columns, n: rows, a: a.baseAddress!, s: s.baseAddress!, u: lapackU.baseAddress!, vt: lapackVt.baseAddress!)
                                : Scalar.gesvd(m: columns, n: rows, a: a.baseAddress!, s: s.baseAddress!, u: lapackU.baseAddress!, vt: lapackVt.baseAddress!)
                        }
                    }
                }
            }
            if info == 0 {
                return SingularValueDecomposition(
                    u: Matrix(rows: rows, columns: r, elements: uRowMajor), singularValues: singularValues,
                    vt: Matrix(rows: r, columns: columns, elements: vtRowMajor))
            }
            if info < 0 { throw LinearAlgebraError.lapackArgument(routine: routine, context: context, info: info) }
            if routine == "gesvd" { throw LinearAlgebraError.svdDidNotConverge(context: context, info: info) }
        }
        fatalError("unreachable: the loop returns or throws")
    }

    /// The singular values alone (descending), via the same LAPACK path.
    public func singularValues(context: String = "matrix") throws -> [Scalar] {
        try singularValueDecomposition(context: context).singularValues
    }
}
