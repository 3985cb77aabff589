import CLAPACKE

extension Matrix where Scalar == Double {
    /// All eigenvalues of this symmetric n×n matrix S and the eigenvectors of only its k largest, k chosen
    /// by `keep` from the eigenvalues; the matrix is destroyed (it holds the Householder reflectors).
    ///
    /// One tridiagonal reduction S = Q T Qᵀ (`dsytrd`, (4/3)n³ flops) serves both: the eigenvalues of T
    /// by the root-free QR iteration (`dsterf`, O(n²), no vectors), then for k ≤ n/2 the k leading
    /// eigenvectors of T by MRRR (`dstemr` by index range, O(n·k)) and their back-transformation Q·Z
    /// (`dormtr`, 2n²k flops); for k > n/2 divide and conquer on T (`dstedc`) and the back-transformation
    /// of the k columns read — what `dsyevd` does for all n. Against `dsyevd` with vectors (tridiagonal
    /// reduction + divide and conquer + 2n³ of back-transformation) the leading-k path saves the
    /// eigenvector work of the n − k vectors nobody reads. Should MRRR's vectors deviate from
    /// orthonormality by more than `1e-10` (entrywise on ZᵀZ; they do not in practice), the divide and
    /// conquer path is taken instead.
    ///
    /// Both triangles of the matrix must hold S (row- and column-major are the same buffer for a
    /// symmetric matrix). Returns λ₁ ≥ … ≥ λₙ (all n) and a k×n matrix whose row i is the unit
    /// eigenvector of λᵢ (signs as LAPACK leaves them).
    /// - Throws: ``LinearAlgebraError`` for non-finite input or when LAPACK fails.
    public mutating func leadingEigenvectors(keeping keep: ([Double]) -> Int, context: String = "matrix") throws -> (eigenvalues: [Double], vectors: Matrix<Double>) {
        precondition(rows == columns, "eigendecomposition needs a square matrix")
        let n = rows
        guard n > 0 else { return ([], Matrix(zeros: 0, 0)) }
        guard isFinite else { throw LinearAlgebraError.nonFiniteInput(context: context) }
        let upper = Int8(UInt8(ascii: "U"))
        var diagonal = [Double](repeating: 0, count: n), offDiagonal = [Double](repeating: 0, count: n)
        var tau = [Double](repeating: 0, count: n)
        try Self.check("dsytrd", context, elements.withUnsafeMutableBufferPointer { a in
            LAPACKE_dsytrd(LAPACK_COL_MAJOR, upper, Int32(n), a.baseAddress!, Int32(n), &diagonal, &offDiagonal, &tau)
        })
        var ascending = diagonal, scratch = offDiagonal
        try Self.check("dsterf", context, LAPACKE_dsterf(Int32(n), &ascending, &scratch))
        let eigenvalues = Array(ascending.reversed())
        let k = Swift.max(0, Swift.min(n, keep(eigenvalues)))
        guard k > 0 else { return (eigenvalues, Matrix(zeros: 0, n)) }
        // z: column-major n×k, column j the eigenvector of T for the (n−k+j)-th smallest eigenvalue.
        var z: [Double]
        if 2 * k <= n, let mrrr = try Self.tridiagonalEigenvectorsByIndex(diagonal, offDiagonal, k: k, context: context) {
            z = mrrr
        } else {
            z = try Self.tridiagonalEigenvectors(diagonal, offDiagonal, k: k, context: context)
        }
        try Self.check("dormtr", context, elements.withUnsafeBufferPointer { a in
            z.withUnsafeMutableBufferPointer { zp in
                LAPACKE_dormtr(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), upper, Int8(UInt8(ascii: "N")), Int32(n), Int32(k),
                               a.baseAddress!, Int32(n), tau, zp.baseAddress!, Int32(n))
            }
        })
        // Column-major n×k = row-major k×n with rows ascending: reverse the row order.
        var vectors = Matrix(zeros: k, n)
        for i in 0..<k {
            for j in 0..<n { vectors[i, j] = z[(k - 1 - i) * n + j] }
        }
        return (eigenvalues, vectors)
    }

    /// The eigenvectors of the k largest eigenvalues of the tridiagonal T (MRRR, `dstemr`), column-major
    /// n×k ascending; nil when they are not orthonormal to 1e-10 or MRRR did not deliver k of them.
    private static func tridiagonalEigenvectorsByIndex(_ diagonal: [Double], _ offDiagonal: [Double], k: Int, context: String) throws -> [Double]? {
        let n = diagonal.count
        var d = diagonal, e = offDiagonal, w = [Double](repeating: 0, count: n)
        var z = [Double](repeating: 0, count: n * k), support = [Int32](repeating: 0, count: 2 * k)
        var found: Int32 = 0, tryHighAccuracy: Int32 = 1  // lapack_logical
        let info = LAPACKE_dstemr(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "I")), Int32(n), &d, &e, 0, 0,
                                  Int32(n - k + 1), Int32(n), &found, &w, &z, Int32(n), Int32(k), &support, &tryHighAccuracy)
        if info < 0 { throw LinearAlgebraError.lapackArgument(routine: "dstemr", context: context, info: Int(info)) }
        guard info == 0, found == k else { return nil }
        let gram = Matrix(rows: k, columns: n, elements: z).multiplied(by: Matrix(rows: k, columns: n, elements: z), transposingOther: true)
        for i in 0..<k {
            for j in 0..<k where abs(gram[i, j] - (i == j ? 1 : 0)) > 1e-10 { return nil }
        }
        return z
    }

    /// The eigenvectors of the k largest eigenvalues of the tridiagonal T by divide and conquer
    /// (`dstedc`, all n formed), column-major n×k ascending.
    private static func tridiagonalEigenvectors(_ diagonal: [Double], _ offDiagonal: [Double], k: Int, context: String) throws -> [Double] {
        let n = diagonal.count
        var d = diagonal, e = offDiagonal, z = [Double](repeating: 0, count: n * n)
        try check("dstedc", context, LAPACKE_dstedc(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "I")), Int32(n), &d, &e, &z, Int32(n)))
        return Array(z[((n - k) * n)...])
    }

    /// Maps LAPACK's `info` to ``LinearAlgebraError``.
    static func check(_ routine: String, _ context: String, _ info: Int32) throws {
        if info < 0 { throw LinearAlgebraError.lapackArgument(routine: routine, context: context, info: Int(info)) }
        if info > 0 { throw LinearAlgebraError.eigenDidNotConverge(context: context, info: Int(info)) }
    }
}
