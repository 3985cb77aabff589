/// The whole-model view of a family: the per-layer signals combined, the verdict and the SMILE cost.
///
/// - `interference`: the layers' objectives summed (their Gram tensors add), so λ* and Lᵢ(λ*) are those
///   of one uniform λ for the whole model.
/// - `cosine[i][j]`: the task-vector cosine over every analysed 2-D weight, Σₗ⟨ΔWᵢ,ΔWⱼ⟩ / √(Σₗ‖ΔWᵢ‖² Σₗ‖ΔWⱼ‖²).
/// - `topEnergy[i]` / `middlePlusTailEnergy[i]`: E_I and E_II+III averaged over layers weighted by
///   ‖ΔWᵢ‖² (i.e. the share of the task's whole update).
/// - `pairs`: task arithmetic of every pair, so the verdict can name the pairs that collide.
/// - `verdict`: the model-level signals plus the `layers` signal — the share of the family's update energy
///   held by layers whose own verdict (re-derived from their records with the same thresholds) is not
///   mergeable (``VerdictThresholds/layerShareRisky``) — and the graded ``RetentionEstimate``.
/// - `weights`: per-model weights w* over all tasks; `plan`: subsets, groups and SMILE-expert candidates.
///
/// Everything here is a pure function of (per-layer records, thresholds).
public struct FamilySummary: Codable, Sendable, Equatable {
    /// One pair's task-arithmetic optimum.
    public struct PairMerge: Codable, Sendable, Equatable {
        public var tasks: [String]
        public var lambdaStar: Double?
        public var worstResidual: Double
        public var cosine: Double
        public var level: Mergeability
        /// The expected share of accuracy the pair's merge keeps.
        public var retention: RetentionEstimate?
        /// The pair's own signals (residual, cosine, top energy of the two tasks), worst first.
        public var signals: [MergeVerdict.Signal]
        /// The name of the signal that decided ``level`` (``MergeVerdict/deciding``); nil when mergeable.
        public var decidingSignal: String?
    }

    /// A layer whose own verdict is worse than mergeable, with the share of the update it holds.
    public struct FlaggedLayer: Codable, Sendable, Equatable {
        public var name: String
        public var level: Mergeability
        /// (1/T) Σᵢ ‖ΔWᵢ‖²(this layer) / Σ_layers ‖ΔWᵢ‖² over the tasks with a non-zero update.
        public var energyShare: Double
    }

    public var taskNames: [String]
    public var interference: TaskInterference?
    public var cosine: [[Double]]
    public var topEnergy: [Double]
    public var middlePlusTailEnergy: [Double]
    public var pairs: [PairMerge]
    public var smile: SmileSizing
    public var verdict: MergeVerdict?
    /// Names of layers whose own verdict is risky / not mergeable.
    public var riskyLayers: [String]
    public var notMergeableLayers: [String]
    /// Every layer whose own verdict is risky or not mergeable, worst and largest share first.
    public var flaggedLayers: [FlaggedLayer]
    /// The update-energy share of the not-mergeable layers (the `layers` signal's value).
    public var notMergeableLayerShare: Double
    /// Per-model weights w* over all tasks (data-free estimate; T ≥ 2).
    public var weights: TaskWeights?
    /// Groups and subsets that merge (T ≥ 2).
    public var plan: MergePlan?

    /// Combines per-layer analyses (all over the same tasks).
    public init(layers: [LayerAnalysis], taskNames: [String], options: AnalysisOptions) {
        self.taskNames = taskNames
        let t = taskNames.count
        var inner = Array(repeating: Array(repeating: 0.0, count: t), count: t)
        for similarity in layers.compactMap(\.similarity) {
            for i in 0..<t { for j in 0..<t { inner[i][j] += similarity.inner[i][j] } }
        }
        cosine = (0..<t).map { i in (0..<t).map { j in
            let d = (inner[i][i] * inner[j][j]).squareRoot()
            return d > 0 ? inner[i][j] / d : 0
        } }
        let totals = TaskTotals.of(layers, taskNames: taskNames)
        topEnergy = totals.map(\.E_I)
        middlePlusTailEnergy = totals.map(\.E_II_III)
        smile = SmileSizing(layers: layers, energy: options.expertEnergy)
        let thresholds = options.thresholds
        let shares = Self.energyShares(layers, taskCount: t)
        let flagged = zip(layers, shares).compactMap { layer, share in
            let level = Self.level(of: layer, thresholds: thresholds)
            return level > .mergeable ? FlaggedLayer(name: layer.name, level: level, energyShare: share) : nil
        }
        flaggedLayers = flagged.sorted { ($0.level, $0.energyShare) > ($1.level, $1.energyShare) }
        riskyLayers = flagged.filter { $0.level == .risky }.map(\.name)
        notMergeableLayers = flagged.filter { $0.level == .notMergeable }.map(\.name)
        notMergeableLayerShare = flagged.filter { $0.level == .notMergeable }.reduce(0) { $0 + $1.energyShare }
        let combined = TaskInterference.combined(layers.compactMap(\.interference))
        interference = combined
        pairs = []
        verdict = nil
        weights = nil
        plan = nil
        guard let combined, t >= 2 else { return }
        let cosine = self.cosine, topEnergy = self.topEnergy
        pairs = (0..<t).flatMap { i in ((i + 1)..<t).map { j in
            let merge = combined.merge(of: [i, j])
            let worst = merge.residuals.max() ?? 0
            let pairVerdict = MergeVerdict(subset: [i, j], of: combined, cosine: cosine, topEnergy: topEnergy, taskNames: taskNames, scope: "\(taskNames[i]) + \(taskNames[j])", thresholds: thresholds)
            return PairMerge(tasks: [taskNames[i], taskNames[j]], lambdaStar: merge.lambdaStar, worstResidual: worst, cosine: cosine[i][j], level: pairVerdict.level,
                             retention: RetentionEstimate(worstResidual: worst), signals: pairVerdict.signals, decidingSignal: pairVerdict.deciding?.name)
        } }
        var verdict = MergeVerdict(interference: combined, cosine: cosine, topEnergy: topEnergy, taskNames: taskNames, scope: "model", thresholds: thresholds)
        verdict.retention = RetentionEstimate(worstResidual: combined.all.residuals.max() ?? 0)
        verdict.include(Self.layerSignal(flaggedLayers, layerCount: layers.count, share: notMergeableLayerShare, thresholds: thresholds))
        self.verdict = verdict
        weights = combined.optimalWeights(of: Array(0..<t))
        plan = MergePlan(interference: combined, cosine: cosine, topEnergy: topEnergy, taskNames: taskNames, thresholds: thresholds)
    }

    /// Recomputes w* and the plan's weights with a ridge toward the uniform λ* (see ``TaskWeights``).
    public mutating func applyRidge(_ ridge: Double, thresholds: VerdictThresholds) {
        guard let interference, taskNames.count >= 2 else { return }
        weights = interference.optimalWeights(of: Array(taskNames.indices), ridge: ridge)
        plan = MergePlan(interference: interference, cosine: cosine, topEnergy: topEnergy, taskNames: taskNames, thresholds: thresholds, ridge: ridge)
    }

    /// Each layer's share of the family's update energy: (1/T) Σᵢ ‖ΔWᵢ‖²(layer) / massᵢ over tasks with
    /// massᵢ = Σ_layers ‖ΔWᵢ‖² > 0, so every task weighs the same whatever its update's scale.
    private static func energyShares(_ layers: [LayerAnalysis], taskCount: Int) -> [Double] {
        let mass = (0..<taskCount).map { i in
            layers.reduce(0.0) { sum, layer in i < layer.tasks.count ? sum + layer.tasks[i].spectrum.norm * layer.tasks[i].spectrum.norm : sum }
        }
        let live = mass.indices.filter { mass[$0] > 0 }
        return layers.map { layer in
            guard !live.isEmpty else { return 0 }
            return live.reduce(0.0) { sum, i in
                guard i < layer.tasks.count else { return sum }
                let norm = layer.tasks[i].spectrum.norm
                return sum + norm * norm / mass[i]
            } / Double(live.count)
        }
    }

    /// A layer's own level, re-derived from its record with `thresholds` (its stored verdict when the
    /// record lacks the cross-task signals).
    private static func level(of layer: LayerAnalysis, thresholds: VerdictThresholds) -> Mergeability {
        guard let interference = layer.interference, let similarity = layer.similarity else { return layer.verdict?.level ?? .mergeable }
        return MergeVerdict(interference: interference, cosine: similarity.cosine, topEnergy: layer.tasks.map(\.energy.top),
                            taskNames: layer.taskNames, scope: layer.name, thresholds: thresholds).level
    }

    /// The `layers` signal: the update-energy share held by layers that are not mergeable on their own.
    private static func layerSignal(_ flagged: [FlaggedLayer], layerCount: Int, share: Double, thresholds t: VerdictThresholds) -> MergeVerdict.Signal {
        let bad = flagged.filter { $0.level == .notMergeable }
        let level: Mergeability = share >= t.layerShareNotMergeable ? .notMergeable : share >= t.layerShareRisky ? .risky : .mergeable
        let named = bad.prefix(5).map { String(format: "%@ (%.1f%%)", $0.name, 100 * $0.energyShare) }.joined(separator: ", ")
        let reason = bad.isEmpty
            ? "no layer is not mergeable on its own"
            : String(format: "%d of %d layers are not mergeable on their own, holding %.1f%% of the update energy (risky ≥ %.0f%%, not mergeable ≥ %.0f%%): %@%@",
                     bad.count, layerCount, 100 * share, 100 * t.layerShareRisky, 100 * t.layerShareNotMergeable, named, bad.count > 5 ? ", …" : "")
        return MergeVerdict.Signal(name: "layers", level: level, value: share, subject: bad.map(\.name).joined(separator: ", "), reason: reason)
    }

    /// Marks the verdict "not mergeable" because some tensors hold NaN or Inf: a merge would carry them.
    mutating func flagUnusable(_ tensors: [String]) {
        let signal = MergeVerdict.Signal(
            name: "nonFinite", level: .notMergeable, value: Double(tensors.count), subject: tensors.joined(separator: ", "),
            reason: "\(tensors.count) tensors hold NaN or Inf values (\(tensors.prefix(3).joined(separator: ", "))\(tensors.count > 3 ? ", …" : "")): no verdict can rest on them")
        if var verdict {
            verdict.signals.insert(signal, at: 0)
            verdict.level = .notMergeable
            self.verdict = verdict
        } else {
            verdict = MergeVerdict(level: .notMergeable, merge: "task arithmetic", lambdaStar: nil, signals: [signal])
        }
    }
}
