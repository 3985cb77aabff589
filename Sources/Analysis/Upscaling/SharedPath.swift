/// What an upscaled layer's shared path (FusionBench's `pretrained_model`, the `shared_linear` of its HF
/// classes) carries, and so what the experts hold.
///
/// - ``pretrained``: FusionBench's SMILE. Shared W_pre, b_pre; expert i and its router block come from
///   ΔWᵢ = Wᵢ − W_pre. A token sent to expert j instead of i gets Wⱼ x: it pays the whole ΔWⱼ − ΔWᵢ, and a
///   rank-k expert drops everything of ΔWᵢ beyond its top k directions, even what every task shares.
/// - ``merged(lambda:)``: the shared path is the task-arithmetic merge and the experts hold what it
///   misses of each task,
///
///       W_shared = W_pre + λ Σⱼ ΔWⱼ,   b_shared = b_pre + λ Σⱼ Δbⱼ,
///       Rᵢ = ΔWᵢ − λ Σⱼ ΔWⱼ  (expert i from the SVD of Rᵢ),  expert bias bᵢ − b_shared,
///
///   so W_shared + Rᵢ = Wᵢ exactly as before, but the shared path now holds, at full rank and at no
///   parameter cost (it replaces W_pre), what the tasks have in common, and each expert's rank-k budget
///   goes to what is its own. The router still reads each task's own update ΔWᵢ (gate block i =
///   V_{i,:g}ᵀ of ΔWᵢ, as FusionBench): it asks which task's inputs x looks like, and the residuals are a
///   poor proxy for that — with two tasks and λ = ½, R₁ = −R₂ span the same directions and cannot be told
///   apart. λ = nil takes, per layer, the data-free task-arithmetic optimum λ* of
///   ``TaskInterference`` (inputs proxied by each update's top right subspace holding 0.9 of its energy),
///   the same λ* the `mergeable` verdict reports for that layer.
///
/// The forward is unchanged — W_shared x + b_shared + Σ pᵢ (uᵢ svhᵢ x + biasᵢ) — so both layouts still
/// load in FusionBench's classes.
public enum SharedPath: Sendable, Equatable {
    /// W_pre (FusionBench).
    case pretrained
    /// W_pre + λ ΣΔWⱼ; nil: the layer's λ*.
    case merged(lambda: Double?)

    /// The energy fraction of the input subspaces λ* is computed on (``TaskInterference``'s default).
    public static let interferenceEnergy = 0.9

    /// `pretrained`, `merged` (per-layer λ*) or `merged:λ`; nil for anything else or a λ that is not a finite
    /// number.
    public init?(argument: String) {
        switch argument {
        case "pretrained": self = .pretrained
        case "merged": self = .merged(lambda: nil)
        default:
            guard argument.hasPrefix("merged:"), let lambda = Double(argument.dropFirst("merged:".count)), lambda.isFinite else { return nil }
            self = .merged(lambda: lambda)
        }
    }

    /// The argument spelling (`pretrained`, `merged`, `merged:0.5`).
    public var argument: String {
        switch self {
        case .pretrained: return "pretrained"
        case .merged(lambda: nil): return "merged"
        case let .merged(lambda?): return "merged:\(lambda)"
        }
    }

    /// The λ of one layer: 0 for ``pretrained``, the fixed λ, or λ* of the layer's updates (0 when every
    /// update is zero, as there is nothing to merge).
    public func lambda(updates: [WeightUpdate], decompositions: [UpdateDecomposition]) -> Double {
        switch self {
        case .pretrained: return 0
        case let .merged(lambda?): return lambda
        case .merged(lambda: nil):
            guard updates.count >= 2 else { return 1 }
            let ranks = decompositions.map { UpdateSpectrum(singularValues: $0.singularValues, baseNorm: 0).rank(holding: Self.interferenceEnergy) }
            let interference = TaskInterference(updates: updates, decompositions: decompositions.map(\.svd), ranks: ranks, energyFraction: Self.interferenceEnergy)
            return interference.all.lambdaStar ?? 0
        }
    }

    /// The shared layer and the residual updates for merge coefficient `lambda`:
    /// W_shared = W_pre + λ ΣΔWⱼ, b_shared = b_pre + λ Σ(bⱼ − b_pre), Rᵢ = ΔWᵢ − λ ΣΔWⱼ.
    ///
    /// LoRA updates stay factored: Rᵢ = [(1−λ)sᵢBᵢ | −λsⱼBⱼ …]·[Aᵢ; Aⱼ; …] (rank ≤ Σ qⱼ), so its SVD
    /// comes from the factors; a dense update makes every residual dense. λ = 0 returns the inputs as
    /// they are.
    public static func split(base: PlainLinear, updates: [WeightUpdate], fineTunedBiases: [[Float]]?, lambda: Double)
        -> (shared: PlainLinear, residuals: [WeightUpdate])
    {
        guard lambda != 0, !updates.isEmpty else { return (base, updates) }
        let l = Float(lambda)
        var weight = base.weight
        var sum = MatrixF(zeros: weight.rows, weight.columns)
        for update in updates { sum = sum + update.dense }
        weight = weight + l * sum
        var bias = base.bias
        if let b = base.bias, let tuned = fineTunedBiases {
            var shifted = b.map(Double.init)
            for fine in tuned {
                for c in shifted.indices { shifted[c] += lambda * (Double(fine[c]) - Double(b[c])) }
            }
            bias = shifted.map(Float.init)
        }
        let factored = updates.allSatisfy { if case .lowRank = $0 { return true } else { return false } }
        let residuals: [WeightUpdate] = updates.indices.map { i in
            guard factored else { return .dense(updates[i].dense - l * sum) }
            var bs = [MatrixF](), as_ = [MatrixF]()
            for (j, update) in updates.enumerated() {
                guard case let .lowRank(b, a, scale) = update, b.columns > 0 else { continue }
                bs.append(((j == i ? 1 - l : 0 - l) * scale) * b)
                as_.append(a)
            }
            guard !bs.isEmpty else { return updates[i] }
            return .lowRank(b: Matrix.verticallyConcatenated(bs.map(\.transposed)).transposed, a: Matrix.verticallyConcatenated(as_), scale: 1)
        }
        return (PlainLinear(weight: weight, bias: bias), residuals)
    }
}
