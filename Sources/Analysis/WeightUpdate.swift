/// A fine-tuning's update ΔW = W_ft − W_pre of one linear weight (out×in, row-major), either dense or
/// as the low-rank product of a PEFT LoRA adapter.
///
/// Keeping LoRA factors lets the analysis avoid forming the m×n matrix: Uᵀ(sBA)V = s(UᵀB)(AV), and the SVD
/// of sBA comes from QR of the factors.
public enum WeightUpdate: Sendable {
    /// ΔW itself, m×n.
    case dense(MatrixF)
    /// ΔW = scale · B·A with B m×r ("lora_B", out×r) and A r×n ("lora_A", r×in).
    case lowRank(b: MatrixF, a: MatrixF, scale: Float)

    /// (m, n) = (out, in).
    public var shape: (rows: Int, columns: Int) {
        switch self {
        case let .dense(d): return (d.rows, d.columns)
        case let .lowRank(b, a, _): return (b.rows, a.columns)
        }
    }

    /// ΔW as a dense m×n matrix (formed from the factors for LoRA).
    public var dense: MatrixF {
        switch self {
        case let .dense(d): return d
        case let .lowRank(b, a, scale): return scale * (b * a)
        }
    }

    /// ΔWᵀ: the dense matrix transposed, or the factors swapped and transposed ((sBA)ᵀ = s·AᵀBᵀ, a copy
    /// of the small factors only).
    public var transposed: WeightUpdate {
        switch self {
        case let .dense(d): return .dense(d.transposed)
        case let .lowRank(b, a, scale): return .lowRank(b: a.transposed, a: b.transposed, scale: scale)
        }
    }

    /// W_ft = W_pre + ΔW, written into one copy of `base`: a dense ΔW added by BLAS `saxpy`, LoRA factors
    /// accumulated by one GEMM (W_pre + s·B·A with β = 1, so their m×n product is never formed on its own).
    /// Precondition: `base` has ΔW's shape.
    public func fineTuned(from base: MatrixF) -> MatrixF {
        precondition(base.rows == shape.rows && base.columns == shape.columns, "W_pre and ΔW differ in shape")
        var result = base
        switch self {
        case let .dense(d):
            ElementwiseUpdate.add(1, d.elements, to: &result.elements)
        case let .lowRank(b, a, scale):
            guard b.columns > 0, !result.elements.isEmpty else { break }
            b.elements.withUnsafeBufferPointer { bp in
                a.elements.withUnsafeBufferPointer { ap in
                    result.elements.withUnsafeMutableBufferPointer { c in
                        Float.gemm(transposeA: false, transposeB: false, m: b.rows, n: a.columns, k: b.columns, alpha: scale,
                                   a: bp.baseAddress!, lda: b.columns, b: ap.baseAddress!, ldb: a.columns, beta: 1, c: c.baseAddress!, ldc: a.columns)
                    }
                }
            }
        }
        return result
    }

    /// True when every stored value (the dense matrix, or the factors and scale) is finite.
    public var isFinite: Bool {
        switch self {
        case let .dense(d): return d.isFinite
        case let .lowRank(b, a, scale): return scale.isFinite && b.isFinite && a.isFinite
        }
    }
}
