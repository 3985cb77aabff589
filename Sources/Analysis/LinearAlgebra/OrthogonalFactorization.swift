/// Thin orthogonal factorizations of tall and wide matrices by Householder QR (LAPACK `geqrf` + `orgqr`).
///
/// - Tall A (m×k, m ≥ k): A = Q·R, Q m×k with orthonormal columns, R k×k upper triangular.
/// - Wide A (k×n, k ≤ n): A = L·Q, L k×k lower triangular, Q k×n with orthonormal rows.
///
/// A row-major k×n matrix is the column-major n×k matrix Aᵀ; QR of that is Aᵀ = Q̃R̃, i.e. A = R̃ᵀQ̃ᵀ, an LQ
/// factorization read straight from LAPACK's buffers. So ``lq()`` needs no copy beyond LAPACK's working
/// array; ``qr()`` runs the same kernel on the (small, tall) transpose.
public struct OrthogonalFactorization<Scalar: LinearAlgebraScalar>: Sendable {
    /// The triangular factor (R for ``Matrix/qr()``, L for ``Matrix/lq()``), k×k.
    public var triangular: Matrix<Scalar>
    /// The orthonormal factor: m×k columns for QR, k×n rows for LQ.
    public var orthonormal: Matrix<Scalar>
}

extension Matrix {
    /// A = L·Q for a wide matrix (rows ≤ columns). Precondition: rows ≤ columns.
    public func lq() -> OrthogonalFactorization<Scalar> {
        precondition(rows <= columns, "lq() needs rows ≤ columns")
        let k = rows, n = columns
        var a = elements
        var rColumnMajor = [Scalar](repeating: 0, count: k * k)
        let info = a.withUnsafeMutableBufferPointer { ap in
            rColumnMajor.withUnsafeMutableBufferPointer { rp in Scalar.geqrf(m: n, n: k, a: ap.baseAddress!, r: rp.baseAddress!) }
        }
        precondition(info == 0, "geqrf/orgqr rejected a finite \(n)×\(k) matrix (info \(info))")
        // Column-major R̃ (k×k) read row-major is R̃ᵀ = L; column-major Q̃ (n×k) read row-major is Q̃ᵀ (k×n).
        return OrthogonalFactorization(
            triangular: Matrix(rows: k, columns: k, elements: rColumnMajor),
            orthonormal: Matrix(rows: k, columns: n, elements: a))
    }

    /// A = Q·R for a tall matrix (rows ≥ columns), via the LQ factorization of Aᵀ. Precondition: rows ≥ columns.
    public func qr() -> OrthogonalFactorization<Scalar> {
        let lq = transposed.lq()
        return OrthogonalFactorization(triangular: lq.triangular.transposed, orthonormal: lq.orthonormal.transposed)
    }
}
