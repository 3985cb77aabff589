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
/// - ``isoC(coefficient:)``: the shared path is the Iso-C merge (``SubspaceMerge/isoC(_:context:)``,
///   exactly what `merge --method iso-c` computes for the layer) at coefficient c,
///
///       W_shared = W_pre + c M,  M = σ̄ U_d V_dᵀ (the SVD of ΣΔWⱼ kept to its numerical rank d,
///                                               every singular value replaced by their mean σ̄),
///       b_shared = b_pre + c (1/T) Σⱼ Δbⱼ   (`merge`'s rule for biases),
///       Rᵢ = ΔWᵢ − c M  (expert i from the SVD of Rᵢ),  expert bias bᵢ − b_shared,
///
///   and the experts' outputs are scaled by β (``SmileUpscaleOptions/expertScale``, folded into each
///   expert's u and bias). c nil: ``MergeMethod/defaultCoefficient(allLoRA:)`` of Iso-C (3 full, 1 for
///   LoRA adapters only). Measured on the realtasks family (`benchmarks/realtasks-smile.md`, "A static
///   Iso-C merge as the shared path" and "implemented"): at `--budget 0.5` c 3, β ½ keeps 0.993 (full)
///   and c 1, β ½ 0.956 (LoRA), every task above the merged and pretrained paths.
///
/// The forward is unchanged — W_shared x + b_shared + Σ pᵢ (uᵢ svhᵢ x + biasᵢ) — so both layouts still
/// load in FusionBench's classes.
public enum SharedPath: Sendable, Equatable {
    /// W_pre (FusionBench).
    case pretrained
    /// W_pre + λ ΣΔWⱼ; nil: the layer's λ*.
    case merged(lambda: Double?)
    /// W_pre + c·M_IsoC; nil: Iso-C's default coefficient for the family.
    case isoC(coefficient: Double?)

    /// The energy fraction of the input subspaces λ* is computed on (``TaskInterference``'s default).
    public static let interferenceEnergy = 0.9

    /// `pretrained`, `merged` (per-layer λ*), `merged:λ`, `iso-c` (Iso-C's default c) or `iso-c:c`; nil for
    /// anything else or a coefficient that is not a finite number.
    public init?(argument: String) {
        func number(after prefix: String) -> Double? {
            guard argument.hasPrefix(prefix), let value = Double(argument.dropFirst(prefix.count)), value.isFinite else { return nil }
            return value
        }
        switch argument {
        case "pretrained": self = .pretrained
        case "merged": self = .merged(lambda: nil)
        case "iso-c": self = .isoC(coefficient: nil)
        default:
            if let lambda = number(after: "merged:") {
                self = .merged(lambda: lambda)
            } else if let c = number(after: "iso-c:") {
                self = .isoC(coefficient: c)
            } else {
                return nil
            }
        }
    }

    /// The argument spelling (`pretrained`, `merged`, `merged:0.5`, `iso-c`, `iso-c:3.0`).
    public var argument: String {
        switch self {
        case .pretrained: return "pretrained"
        case .merged(lambda: nil): return "merged"
        case let .merged(lambda?): return "merged:\(lambda)"
        case .isoC(coefficient: nil): return "iso-c"
        case let .isoC(coefficient?): return "iso-c:\(coefficient)"
        }
    }

    /// The path with Iso-C's default coefficient filled in for a family whose models are `kinds`
    /// (``MergeMethod/defaultCoefficient(allLoRA:)``); other paths as they are.
    public func resolved(kinds: [ModelKind]) -> SharedPath {
        guard case .isoC(coefficient: nil) = self else { return self }
        return .isoC(coefficient: MergeMethod.isoC.defaultCoefficient(allLoRA: kinds.allLoRA))
    }

    /// The coefficient every layer shares: 0 for ``pretrained``, the fixed λ or c; nil when it is chosen
    /// per layer (``merged(lambda:)`` with λ*) or not yet resolved.
    public var fixedCoefficient: Double? {
        switch self {
        case .pretrained: return 0
        case let .merged(lambda): return lambda
        case let .isoC(coefficient): return coefficient
        }
    }

    /// Whether this is an Iso-C shared path.
    public var isIsoC: Bool {
        if case .isoC = self { return true }
        return false
    }

    /// The coefficient of one layer: 0 for ``pretrained``, the fixed λ or c, λ* of the layer's updates
    /// (0 when every update is zero, as there is nothing to merge), or for an unresolved Iso-C path its
    /// default for these updates (LoRA when every update is low rank).
    public func coefficient(updates: [WeightUpdate], decompositions: [UpdateDecomposition]) -> Double {
        switch self {
        case .pretrained: return 0
        case let .merged(lambda?): return lambda
        case let .isoC(c?): return c
        case .isoC(coefficient: nil):
            return MergeMethod.isoC.defaultCoefficient(allLoRA: updates.allSatisfy { if case .lowRank = $0 { return true } else { return false } })
        case .merged(lambda: nil):
            guard updates.count >= 2 else { return 1 }
            let ranks = decompositions.map { UpdateSpectrum(singularValues: $0.singularValues, baseNorm: 0).rank(holding: Self.interferenceEnergy) }
            let interference = TaskInterference(updates: updates, decompositions: decompositions.map(\.svd), ranks: ranks, energyFraction: Self.interferenceEnergy)
            return interference.all.lambdaStar ?? 0
        }
    }

    /// The shared layer and the residual updates of this path at coefficient `coefficient` (λ or c, from
    /// ``coefficient(updates:decompositions:)``); 0 returns the inputs as they are. `context` names the
    /// layer in errors. Throws ``LinearAlgebraError`` (Iso-C's SVD).
    public func split(base: PlainLinear, updates: [WeightUpdate], fineTunedBiases: [[Float]]?, coefficient: Double, context: String) throws
        -> (shared: PlainLinear, residuals: [WeightUpdate])
    {
        guard isIsoC else { return Self.split(base: base, updates: updates, fineTunedBiases: fineTunedBiases, lambda: coefficient) }
        return try Self.isoCSplit(base: base, updates: updates, fineTunedBiases: fineTunedBiases, coefficient: coefficient, context: context)
    }

    /// The Iso-C split: W_shared = W_pre + c M, b_shared = b_pre + c (1/T) Σ(bⱼ − b_pre), Rᵢ = ΔWᵢ − c M with
    /// M = σ̄ U_d V_dᵀ from ``SubspaceMerge/isoCFactors(_:context:)``.
    ///
    /// LoRA updates stay factored: Rᵢ = [sᵢBᵢ | −cσ̄ U_d]·[Aᵢ; V_dᵀ] (rank ≤ qᵢ + d); a dense update makes
    /// every residual dense. c = 0, or a zero sum (M = 0) with no bias update, returns the inputs.
    static func isoCSplit(base: PlainLinear, updates: [WeightUpdate], fineTunedBiases: [[Float]]?, coefficient: Double, context: String) throws
        -> (shared: PlainLinear, residuals: [WeightUpdate])
    {
        guard coefficient != 0, !updates.isEmpty else { return (base, updates) }
        let c = Float(coefficient)
        let bias = Self.shiftedBias(base.bias, toward: fineTunedBiases, by: fineTunedBiases.map { coefficient / Double($0.count) } ?? 0)
        guard let merge = try SubspaceMerge.isoCFactors(updates, context: context) else { return (PlainLinear(weight: base.weight, bias: bias), updates) }
        let scaledU = (c * merge.mean) * merge.u
        let shift = scaledU * merge.vt
        let residuals: [WeightUpdate] = updates.map { update in
            switch update {
            case let .dense(d):
                return .dense(d - shift)
            case let .lowRank(b, a, scale):
                let left = Matrix.verticallyConcatenated([(scale * b).transposed, (-1 as Float) * scaledU.transposed]).transposed
                return .lowRank(b: left, a: Matrix.verticallyConcatenated([a, merge.vt]), scale: 1)
            }
        }
        return (PlainLinear(weight: base.weight + shift, bias: bias), residuals)
    }

    /// The task-arithmetic split for merge coefficient `lambda`:
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
        let bias = Self.shiftedBias(base.bias, toward: fineTunedBiases, by: lambda)
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

    /// b_pre + f Σⱼ (bⱼ − b_pre), accumulated in Double (f = λ for task arithmetic, c/T for Iso-C's mean);
    /// `base` unchanged without a base bias or fine-tuned biases.
    private static func shiftedBias(_ base: [Float]?, toward tuned: [[Float]]?, by factor: Double) -> [Float]? {
        guard let b = base, let tuned, !tuned.isEmpty else { return base }
        var shifted = b.map(Double.init)
        for fine in tuned {
            for j in shifted.indices { shifted[j] += factor * (Double(fine[j]) - Double(b[j])) }
        }
        return shifted.map(Float.init)
    }
}
