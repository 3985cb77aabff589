/// Matrix products through BLAS GEMM (`cblas_sgemm` / `cblas_dgemm`), row-major, with the transposes
/// passed to BLAS rather than materialised.
extension Matrix {
    /// op(A)·op(B), where op is the identity or the transpose. Preconditions: inner dimensions agree.
    ///
    /// `A.multiplied(by: B, transposingSelf: true)` is Aᵀ·B without forming Aᵀ.
    public func multiplied(by other: Matrix, transposingSelf: Bool = false, transposingOther: Bool = false) -> Matrix {
        let m = transposingSelf ? columns : rows
        let k = transposingSelf ? rows : columns
        let k2 = transposingOther ? other.columns : other.rows
        let n = transposingOther ? other.rows : other.columns
        precondition(k == k2, "inner dimensions differ: \(k) vs \(k2)")
        var result = Matrix(zeros: m, n)
        guard m > 0, n > 0, k > 0 else { return result }
        elements.withUnsafeBufferPointer { a in
            other.elements.withUnsafeBufferPointer { b in
                result.elements.withUnsafeMutableBufferPointer { c in
                    Scalar.gemm(
                        transposeA: transposingSelf, transposeB: transposingOther, m: m, n: n, k: k, alpha: 1,
                        a: a.baseAddress!, lda: columns, b: b.baseAddress!, ldb: other.columns, beta: 0,
                        c: c.baseAddress!, ldc: n)
                }
            }
        }
        return result
    }

    /// A·B.
    public static func * (a: Matrix, b: Matrix) -> Matrix { a.multiplied(by: b) }

    /// A·x for a vector x of length n.
    public func applied(to vector: [Scalar]) -> [Scalar] {
        multiplied(by: Matrix(rows: vector.count, columns: 1, elements: vector)).elements
    }
}
