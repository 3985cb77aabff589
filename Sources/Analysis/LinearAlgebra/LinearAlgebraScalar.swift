import CBLAS
import CLAPACKE

/// A floating-point type with BLAS and LAPACK kernels: `Float` (the `s` routines) and `Double`
/// (the `d` routines, used for reference computations).
///
/// Every kernel here takes **column-major** buffers, as LAPACK does. ``Matrix`` stores row-major, and a
/// row-major m×n buffer *is* a column-major n×m buffer holding the transpose, so ``Matrix`` calls these
/// kernels on its transpose instead of copying (see ``Matrix/singularValueDecomposition(context:)``).
public protocol LinearAlgebraScalar: BinaryFloatingPoint, Codable, Sendable {
    /// C ← α·op(A)·op(B) + β·C, all operands row-major (`cblas_?gemm` with `CblasRowMajor`).
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int, beta: Self,
        c: UnsafeMutablePointer<Self>, ldc: Int)

    /// Σ xᵢ·yᵢ over `count` contiguous elements (`cblas_?dot`).
    static func dot(count: Int, _ x: UnsafePointer<Self>, _ y: UnsafePointer<Self>) -> Self

    /// Σ xᵢ·yᵢ accumulated in double precision (each product formed in Double for Float input; `cblas_ddot`
    /// for Double), so sums of squares of large finite Float values do not overflow. OpenBLAS's
    /// `cblas_dsdot` is not used: its x86 kernels overflow for |x| ≳ 1.8e19.
    static func wideDot(count: Int, _ x: UnsafePointer<Self>, _ y: UnsafePointer<Self>) -> Double

    /// Thin SVD of a column-major m×n matrix by divide and conquer (`?gesdd`, `jobz = 'S'`).
    /// Returns LAPACK's `info`; `a` is destroyed.
    static func gesdd(
        m: Int, n: Int, a: UnsafeMutablePointer<Self>, s: UnsafeMutablePointer<Self>,
        u: UnsafeMutablePointer<Self>, vt: UnsafeMutablePointer<Self>) -> Int

    /// Thin SVD of a column-major m×n matrix by QR iteration (`?gesvd`, `jobu = jobvt = 'S'`): slower
    /// than ``gesdd(m:n:a:s:u:vt:)`` but converges in cases where it does not. Returns `info`.
    static func gesvd(
        m: Int, n: Int, a: UnsafeMutablePointer<Self>, s: UnsafeMutablePointer<Self>,
        u: UnsafeMutablePointer<Self>, vt: UnsafeMutablePointer<Self>) -> Int

    /// Eigenvalues (ascending) and eigenvectors (columns, overwriting `a`) of a symmetric column-major
    /// n×n matrix (`?syevd`, upper triangle read). Returns `info`.
    static func syevd(n: Int, a: UnsafeMutablePointer<Self>, w: UnsafeMutablePointer<Self>) -> Int

    /// Householder QR of a column-major m×n matrix, m ≥ n, followed by forming the thin Q in place
    /// (`?geqrf` + `?orgqr`). On return the upper triangle of `r` (n×n, column-major) holds R.
    static func geqrf(m: Int, n: Int, a: UnsafeMutablePointer<Self>, r: UnsafeMutablePointer<Self>) -> Int
}

/// A workspace length from a LAPACK size query, which answers in the scalar type. Beyond 2²⁴ a Float
/// holds the integer only to the nearest multiple of its ulp and may have rounded it down (`ssyevd` at
/// n ≈ 4096 then rejects its own answer), so there the length goes up by one ulp.
func workspaceLength<T: BinaryFloatingPoint>(_ query: T) -> Int {
    Swift.max(1, Int(query.rounded(.up)) + (query.ulp > 1 ? Int(query.ulp) : 0))
}

/// Runs a LAPACK `_work` routine twice: once with `lwork = -1` to learn the optimal workspace size, then
/// with that workspace. `call(work, lwork)` returns `info`.
@inline(__always)
func withWorkspace<T: BinaryFloatingPoint>(
    _: T.Type, _ call: (UnsafeMutablePointer<T>, Int32) -> Int32
) -> Int {
    var query = T.zero
    let info = call(&query, -1)
    guard info == 0 else { return Int(info) }
    let lwork = workspaceLength(query)
    let work = UnsafeMutablePointer<T>.allocate(capacity: lwork)
    defer { work.deallocate() }
    return Int(call(work, Int32(lwork)))
}

extension Float: LinearAlgebraScalar {
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    public static func dot(count: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
        cblas_sdot(blasint(count), x, 1, y, 1)
    }

    public static func wideDot(count: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Double {
        var sum = 0.0
        for i in 0..<count { sum += Double(x[i]) * Double(y[i]) }
        return sum
    }

    public static func gesdd(
        m: Int, n: Int, a: UnsafeMutablePointer<Float>, s: UnsafeMutablePointer<Float>,
        u: UnsafeMutablePointer<Float>, vt: UnsafeMutablePointer<Float>
    ) -> Int {
        let r = Swift.min(m, n)
        let iwork = UnsafeMutablePointer<Int32>.allocate(capacity: 8 * r)
        defer { iwork.deallocate() }
        return withWorkspace(Float.self) { work, lwork in
            LAPACKE_sgesdd_work(
                LAPACK_COL_MAJOR, Int8(UInt8(ascii: "S")), Int32(m), Int32(n), a, Int32(m), s,
                u, Int32(m), vt, Int32(r), work, lwork, iwork)
        }
    }

    public static func gesvd(
        m: Int, n: Int, a: UnsafeMutablePointer<Float>, s: UnsafeMutablePointer<Float>,
        u: UnsafeMutablePointer<Float>, vt: UnsafeMutablePointer<Float>
    ) -> Int {
        let r = Swift.min(m, n)
        let job = Int8(UInt8(ascii: "S"))
        return withWorkspace(Float.self) { work, lwork in
            LAPACKE_sgesvd_work(
                LAPACK_COL_MAJOR, job, job, Int32(m), Int32(n), a, Int32(m), s, u, Int32(m), vt,
                Int32(r), work, lwork)
        }
    }

    public static func syevd(n: Int, a: UnsafeMutablePointer<Float>, w: UnsafeMutablePointer<Float>) -> Int {
        var iworkSize: Int32 = 0
        var workSize: Float = 0
        let jobz = Int8(UInt8(ascii: "V")), uplo = Int8(UInt8(ascii: "U"))
        let query = LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, jobz, uplo, Int32(n), a, Int32(n), w, &workSize, -1, &iworkSize, -1)
        guard query == 0 else { return Int(query) }
        let lwork = workspaceLength(workSize), liwork = max(1, Int(iworkSize))
        let work = UnsafeMutablePointer<Float>.allocate(capacity: lwork)
        let iwork = UnsafeMutablePointer<Int32>.allocate(capacity: liwork)
        defer { work.deallocate(); iwork.deallocate() }
        return Int(LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, jobz, uplo, Int32(n), a, Int32(n), w, work, Int32(lwork), iwork, Int32(liwork)))
    }

    public static func geqrf(m: Int, n: Int, a: UnsafeMutablePointer<Float>, r: UnsafeMutablePointer<Float>) -> Int {
        let tau = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, n))
        defer { tau.deallocate() }
        let info = withWorkspace(Float.self) { work, lwork in
            LAPACKE_sgeqrf_work(LAPACK_COL_MAJOR, Int32(m), Int32(n), a, Int32(m), tau, work, lwork)
        }
        guard info == 0 else { return info }
        copyUpperTriangle(n: n, from: a, lda: m, to: r)
        return withWorkspace(Float.self) { work, lwork in
            LAPACKE_sorgqr_work(LAPACK_COL_MAJOR, Int32(m), Int32(n), Int32(n), a, Int32(m), tau, work, lwork)
        }
    }
}

extension Double: LinearAlgebraScalar {
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int, beta: Double,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    public static func dot(count: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
        cblas_ddot(blasint(count), x, 1, y, 1)
    }

    public static func wideDot(count: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
        cblas_ddot(blasint(count), x, 1, y, 1)
    }

    public static func gesdd(
        m: Int, n: Int, a: UnsafeMutablePointer<Double>, s: UnsafeMutablePointer<Double>,
        u: UnsafeMutablePointer<Double>, vt: UnsafeMutablePointer<Double>
    ) -> Int {
        let r = Swift.min(m, n)
        let iwork = UnsafeMutablePointer<Int32>.allocate(capacity: 8 * r)
        defer { iwork.deallocate() }
        return withWorkspace(Double.self) { work, lwork in
            LAPACKE_dgesdd_work(
                LAPACK_COL_MAJOR, Int8(UInt8(ascii: "S")), Int32(m), Int32(n), a, Int32(m), s,
                u, Int32(m), vt, Int32(r), work, lwork, iwork)
        }
    }

    public static func gesvd(
        m: Int, n: Int, a: UnsafeMutablePointer<Double>, s: UnsafeMutablePointer<Double>,
        u: UnsafeMutablePointer<Double>, vt: UnsafeMutablePointer<Double>
    ) -> Int {
        let r = Swift.min(m, n)
        let job = Int8(UInt8(ascii: "S"))
        return withWorkspace(Double.self) { work, lwork in
            LAPACKE_dgesvd_work(
                LAPACK_COL_MAJOR, job, job, Int32(m), Int32(n), a, Int32(m), s, u, Int32(m), vt,
                Int32(r), work, lwork)
        }
    }

    public static func syevd(n: Int, a: UnsafeMutablePointer<Double>, w: UnsafeMutablePointer<Double>) -> Int {
        var iworkSize: Int32 = 0
        var workSize: Double = 0
        let jobz = Int8(UInt8(ascii: "V")), uplo = Int8(UInt8(ascii: "U"))
        let query = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, jobz, uplo, Int32(n), a, Int32(n), w, &workSize, -1, &iworkSize, -1)
        guard query == 0 else { return Int(query) }
        let lwork = workspaceLength(workSize), liwork = max(1, Int(iworkSize))
        let work = UnsafeMutablePointer<Double>.allocate(capacity: lwork)
        let iwork = UnsafeMutablePointer<Int32>.allocate(capacity: liwork)
        defer { work.deallocate(); iwork.deallocate() }
        return Int(LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, jobz, uplo, Int32(n), a, Int32(n), w, work, Int32(lwork), iwork, Int32(liwork)))
    }

    public static func geqrf(m: Int, n: Int, a: UnsafeMutablePointer<Double>, r: UnsafeMutablePointer<Double>) -> Int {
        let tau = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(1, n))
        defer { tau.deallocate() }
        let info = withWorkspace(Double.self) { work, lwork in
            LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, Int32(m), Int32(n), a, Int32(m), tau, work, lwork)
        }
        guard info == 0 else { return info }
        copyUpperTriangle(n: n, from: a, lda: m, to: r)
        return withWorkspace(Double.self) { work, lwork in
            LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, Int32(m), Int32(n), Int32(n), a, Int32(m), tau, work, lwork)
        }
    }
}

/// Copies the upper triangle of the leading n×n block of a column-major matrix (leading dimension
/// `lda`) into a dense column-major n×n buffer, zeroing the strict lower triangle.
private func copyUpperTriangle<T: BinaryFloatingPoint>(
    n: Int, from a: UnsafeMutablePointer<T>, lda: Int, to r: UnsafeMutablePointer<T>
) {
    for column in 0..<n {
        for row in 0..<n {
            r[row + column * n] = row <= column ? a[row + column * lda] : 0
        }
    }
}
