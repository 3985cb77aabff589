import CBLAS

extension Matrix where Scalar == Float {
    /// max |QᵀQ − I| over the entries of this m×k matrix's column Gram matrix: how far its columns are
    /// from orthonormal. QᵀQ is formed by `ssyrk` (upper triangle only, m·k(k+1)/2 multiply-adds, half a
    /// GEMM) and read in Double (``SingularValueDecomposition/deviation(_:)``). 0 for k = 0.
    public var columnOrthonormalityDeviation: Double { Self.gramDeviation(self, ofColumns: true) }

    /// max |Q Qᵀ − I| over the entries of this k×n matrix's row Gram matrix (rows as vectors, e.g. Vᵀ);
    /// `ssyrk` as ``columnOrthonormalityDeviation``.
    public var rowOrthonormalityDeviation: Double { Self.gramDeviation(self, ofColumns: false) }

    private static func gramDeviation(_ q: MatrixF, ofColumns: Bool) -> Double {
        let k = ofColumns ? q.columns : q.rows
        let inner = ofColumns ? q.rows : q.columns
        guard k > 0 else { return 0 }
        var gram = [Float](repeating: 0, count: k * k)
        if inner > 0 {
            q.elements.withUnsafeBufferPointer { a in
                gram.withUnsafeMutableBufferPointer { c in
                    // Row-major: columns → C = AᵀA (Trans), rows → C = A Aᵀ (NoTrans); upper triangle of C.
                    cblas_ssyrk(CblasRowMajor, CblasUpper, ofColumns ? CblasTrans : CblasNoTrans, blasint(k), blasint(inner),
                                1, a.baseAddress!, blasint(q.columns), 0, c.baseAddress!, blasint(k))
                }
            }
        }
        // The lower triangle stays 0, which is also its target: the whole matrix's deviation is the upper's.
        return SingularValueDecomposition<Float>.deviation(MatrixF(rows: k, columns: k, elements: gram))
    }
}
