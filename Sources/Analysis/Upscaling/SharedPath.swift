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
/// - ``tsv(coefficient:)``: the same construction with the TSV-M merge (``SubspaceMerge/tsv(_:context:)``,
///   exactly what `merge --method tsv` computes for the layer) at coefficient α: W_shared = W_pre + α M_TSV,
///   b_shared = b_pre + α (1/T) Σⱼ Δbⱼ, Rᵢ = ΔWᵢ − α M_TSV, experts scaled by β. α nil:
///   ``MergeMethod/defaultCoefficient(allLoRA:)`` of TSV-M (1 full, 0.5 for LoRA adapters only).
///   Measured (`benchmarks/realtasks-smile.md`, "A TSV-M shared path"): on LoRA adapters a tie with Iso-C
///   (0.953 against 0.952 at `--budget 0.1`, β ½), on full fine-tunes a loss (0.979 against 0.993 at
///   `--budget 0.5`), so it is an option, not a default.
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
    /// W_pre + α·M_TSV; nil: TSV-M's default coefficient for the family.
    case tsv(coefficient: Double?)

    /// The energy fraction of the input subspaces λ* is computed on (``TaskInterference``'s default).
    public static let interferenceEnergy = 0.9

    /// `pretrained`, `merged` (per-layer λ*), `merged:λ`, `iso-c` (Iso-C's default c), `iso-c:c`, `tsv`
    /// (TSV-M's default α) or `tsv:α`; nil for anything else or a coefficient that is not a finite number.
    public init?(argument: String) {
        func number(after prefix: String) -> Double? {
            guard argument.hasPrefix(prefix), let value = Double(argument.dropFirst(prefix.count)), value.isFinite else { return nil }
            return value
        }
        switch argument {
        case "pretrained": self = .pretrained
        case "merged": self = .merged(lambda: nil)
        case "iso-c": self = .isoC(coefficient: nil)
        case "tsv": self = .tsv(coefficient: nil)
        default:
            if let lambda = number(after: "merged:") {
                self = .merged(lambda: lambda)
            } else if let c = number(after: "iso-c:") {
                self = .isoC(coefficient: c)
            } else if let alpha = number(after: "tsv:") {
                self = .tsv(coefficient: alpha)
            } else {
                return nil
            }
        }
    }

    /// The argument spelling (`pretrained`, `merged`, `merged:0.5`, `iso-c`, `iso-c:3.0`, `tsv`, `tsv:0.5`).
    public var argument: String {
        switch self {
        case .pretrained: return "pretrained"
        case .merged(lambda: nil): return "merged"
        case let .merged(lambda?): return "merged:\(lambda)"
        case .isoC(coefficient: nil): return "iso-c"
        case let .isoC(coefficient?): return "iso-c:\(coefficient)"
        case .tsv(coefficient: nil): return "tsv"
        case let .tsv(coefficient?): return "tsv:\(coefficient)"
        }
    }

    /// The path with its merge method's default coefficient filled in for a family whose models are
    /// `kinds` (``MergeMethod/defaultCoefficient(allLoRA:)`` of Iso-C or TSV-M); other paths as they are.
    public func resolved(kinds: [ModelKind]) -> SharedPath {
        switch self {
        case .isoC(coefficient: nil): return .isoC(coefficient: MergeMethod.isoC.defaultCoefficient(allLoRA: kinds.allLoRA))
        case .tsv(coefficient: nil): return .tsv(coefficient: MergeMethod.tsv.defaultCoefficient(allLoRA: kinds.allLoRA))
        default: return self
        }
    }

    /// The coefficient every layer shares: 0 for ``pretrained``, the fixed λ or c; nil when it is chosen
    /// per layer (``merged(lambda:)`` with λ*) or not yet resolved.
    public var fixedCoefficient: Double? {
        switch self {
        case .pretrained: return 0
        case let .merged(lambda): return lambda
        case let .isoC(coefficient), let .tsv(coefficient): return coefficient
        }
    }

    /// The subspace merge this path carries (Iso-C or TSV-M); nil for ``pretrained`` and ``merged(lambda:)``.
    public var mergeMethod: MergeMethod? {
        switch self {
        case .isoC: return .isoC
        case .tsv: return .tsv
        case .pretrained, .merged: return nil
        }
    }

    /// The coefficient of one layer: 0 for ``pretrained``, the fixed λ or c, λ* of the layer's updates
    /// (0 when every update is zero, as there is nothing to merge), or for an unresolved Iso-C or TSV-M
    /// path its method's default for these updates (LoRA when every update is low rank).
    public func coefficient(updates: [WeightUpdate], decompositions: [UpdateDecomposition]) -> Double {
        switch self {
        case .pretrained: return 0
        case let .merged(lambda?): return lambda
        case let .isoC(c?), let .tsv(c?): return c
        case .isoC(coefficient: nil), .tsv(coefficient: nil):
            let allLoRA = updates.allSatisfy { if case .lowRank = $0 { return true } else { return false } }
            return (mergeMethod ?? .isoC).defaultCoefficient(allLoRA: allLoRA)
        case .merged(lambda: nil):
            guard updates.count >= 2 else { return 1 }
            let ranks = decompositions.map { UpdateSpectrum(singularValues: $0.singularValues, baseNorm: 0).rank(holding: Self.interferenceEnergy) }
            let interference = TaskInterference(updates: updates, decompositions: decompositions.map(\.svd), ranks: ranks, energyFraction: Self.interferenceEnergy)
            return interference.all.lambdaStar ?? 0
        }
    }

    /// The shared layer and the residual updates of this path at coefficient `coefficient` (λ or c, from
    /// ``coefficient(updates:decompositions:)``); 0 returns the inputs as they are. `context` names the
    /// layer in errors. Throws ``LinearAlgebraError`` (Iso-C's and TSV-M's SVDs).
    public func split(base: PlainLinear, updates: [WeightUpdate], fineTunedBiases: [[Float]]?, coefficient: Double, context: String) throws
        -> (shared: PlainLinear, residuals: [WeightUpdate])
    {
        guard let method = mergeMethod else { return Self.split(base: base, updates: updates, fineTunedBiases: fineTunedBiases, lambda: coefficient) }
        return try Self.subspaceSplit(method, base: base, updates: updates, fineTunedBiases: fineTunedBiases, coefficient: coefficient, context: context)
    }

    /// M = s·L·R in factored form for the Iso-C or TSV-M shared path: Iso-C s = σ̄, L = U_d, R = V_dᵀ
    /// (``SubspaceMerge/isoCFactors(_:context:)``); TSV-M s = 1, L = polar(Û) diag(Ŝ), R = polar(V̂ᵀ)
    /// (``SubspaceMerge/tsvFactors(_:context:)``). nil when M = 0.
    static func mergeFactors(_ method: MergeMethod, _ updates: [WeightUpdate], context: String) throws -> (scale: Float, left: MatrixF, right: MatrixF)? {
        if method == .tsv { return try SubspaceMerge.tsvFactors(updates, context: context).map { (scale: Float(1), left: $0.left, right: $0.right) } }
        return try SubspaceMerge.isoCFactors(updates, context: context).map { (scale: $0.mean, left: $0.u, right: $0.vt) }
    }

    /// The subspace-merge split (`method` Iso-C or TSV-M): W_shared = W_pre + c M,
    /// b_shared = b_pre + c (1/T) Σ(bⱼ − b_pre), Rᵢ = ΔWᵢ − c M with M = s·L·R from
    /// ``mergeFactors(_:_:context:)`` — exactly `merge --method iso-c | tsv`'s M for the layer.
    ///
    /// LoRA updates stay factored: Rᵢ = [sᵢBᵢ | −c·s·L]·[Aᵢ; R] (rank ≤ qᵢ + rank M); a dense update makes
    /// every residual dense. c = 0, or M = 0 with no bias update, returns the inputs.
    static func subspaceSplit(_ method: MergeMethod, base: PlainLinear, updates: [WeightUpdate], fineTunedBiases: [[Float]]?, coefficient: Double, context: String) throws
        -> (shared: PlainLinear, residuals: [WeightUpdate])
    {
        guard coefficient != 0, !updates.isEmpty else { return (base, updates) }
        let c = Float(coefficient)
        let bias = Self.shiftedBias(base.bias, toward: fineTunedBiases, by: fineTunedBiases.map { coefficient / Double($0.count) } ?? 0)
        guard let merge = try Self.mergeFactors(method, updates, context: context) else { return (PlainLinear(weight: base.weight, bias: bias), updates) }
        let scaledU = (c * merge.scale) * merge.left
        let shift = scaledU * merge.right
        let residuals: [WeightUpdate] = updates.map { update in
            switch update {
            case let .dense(d):
                return .dense(d - shift)
            case let .lowRank(b, a, scale):
                let left = Matrix.verticallyConcatenated([(scale * b).transposed, (-1 as Float) * scaledU.transposed]).transposed
                return .lowRank(b: left, a: Matrix.verticallyConcatenated([a, merge.right]), scale: 1)
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

    /// b_pre + f Σⱼ (bⱼ − b_pre), accumulated in Double (f = λ for task arithmetic, c/T for the mean of
    /// Iso-C and TSV-M);
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
