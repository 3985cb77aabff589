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

    /// True when every stored value (the dense matrix, or the factors and scale) is finite.
    public var isFinite: Bool {
        switch self {
        case let .dense(d): return d.isFinite
        case let .lowRank(b, a, scale): return scale.isFinite && b.isFinite && a.isFinite
        }
    }
}
