extension WeightUpdate {
    /// ‖ΔW‖²_F; for LoRA s²·⟨BᵀB, AAᵀ⟩_F without forming BA.
    public var frobeniusNormSquared: Double {
        switch self {
        case let .dense(d):
            return Double(d.frobeniusNormSquared)
        case let .lowRank(b, a, scale):
            let gramB = b.multiplied(by: b, transposingSelf: true)
            let gramA = a.multiplied(by: a, transposingOther: true)
            return Double(scale * scale) * Double(gramB.frobeniusInner(gramA))
        }
    }

    /// ⟨ΔW, X⟩_F for a dense X of the same shape (for LoRA: s·⟨B, X Aᵀ⟩_F).
    public func frobeniusInner(_ other: MatrixF) -> Double {
        switch self {
        case let .dense(d):
            return Double(d.frobeniusInner(other))
        case let .lowRank(b, a, scale):
            return Double(scale) * Double(b.frobeniusInner(other.multiplied(by: a, transposingOther: true)))
        }
    }

    /// ΔW·M for a dense n×p matrix M (LoRA: s·B·(A·M)).
    public func multiplied(by m: MatrixF) -> MatrixF {
        switch self {
        case let .dense(d): return d * m
        case let .lowRank(b, a, scale): return scale * (b * (a * m))
        }
    }

    /// ΔW·Mᵀ for a dense p×n matrix M, e.g. ΔW·V_k with M = V_kᵀ given as rows.
    public func multiplied(byTransposeOf m: MatrixF) -> MatrixF {
        switch self {
        case let .dense(d): return d.multiplied(by: m, transposingOther: true)
        case let .lowRank(b, a, scale): return scale * (b * a.multiplied(by: m, transposingOther: true))
        }
    }

    /// The thin SVD of ΔW.
    ///
    /// Dense: LAPACK on the m×n matrix, min(m, n) triplets. LoRA (rank q ≤ min(m, n)): B = Q_B R_B,
    /// A = L_A Q_A, then the q×q core s·R_B·L_A = U_c Σ V_cᵀ gives ΔW = (Q_B U_c) Σ (V_cᵀ Q_A) — q triplets;
    /// the other min(m, n) − q singular values are exactly 0 and are not listed.
    public func singularValueDecomposition(context: String) throws -> SingularValueDecomposition<Float> {
        switch self {
        case let .dense(d):
            return try d.singularValueDecomposition(context: context)
        case let .lowRank(b, a, scale):
            let q = b.columns
            guard q > 0, q <= Swift.min(b.rows, a.columns) else {
                return try dense.singularValueDecomposition(context: context)
            }
            guard b.isFinite, a.isFinite else { throw LinearAlgebraError.nonFiniteInput(context: context) }
            let qrB = b.qr(), lqA = a.lq()
            let core = scale * (qrB.triangular * lqA.triangular)
            let svd = try core.singularValueDecomposition(context: context)
            return SingularValueDecomposition(
                u: qrB.orthonormal * svd.u, singularValues: svd.singularValues, vt: svd.vt * lqA.orthonormal)
        }
    }
}
