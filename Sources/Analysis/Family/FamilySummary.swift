/// The whole-model view of a family: the per-layer signals combined, the verdict and the SMILE cost.
///
/// - `interference`: the layers' objectives summed (their Gram tensors add), so λ* and Lᵢ(λ*) are those
///   of one uniform λ for the whole model.
/// - `cosine[i][j]`: the task-vector cosine over every analysed 2-D weight, Σₗ⟨ΔWᵢ,ΔWⱼ⟩ / √(Σₗ‖ΔWᵢ‖² Σₗ‖ΔWⱼ‖²).
/// - `topEnergy[i]` / `middlePlusTailEnergy[i]`: E_I and E_II+III averaged over layers weighted by
///   ‖ΔWᵢ‖² (i.e. the share of the task's whole update).
/// - `pairs`: task arithmetic of every pair, so the verdict can name the pairs that collide.
/// - `verdict`: the model-level signals; layers whose own verdict is worse are listed in its reasons, and
///   a not-mergeable layer makes a mergeable model risky.
public struct FamilySummary: Codable, Sendable, Equatable {
    /// One pair's task-arithmetic optimum.
    public struct PairMerge: Codable, Sendable, Equatable {
        public var tasks: [String]
        public var lambdaStar: Double?
        public var worstResidual: Double
        public var cosine: Double
        public var level: Mergeability
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

    /// Combines per-layer analyses (all over the same tasks).
    public init(layers: [LayerAnalysis], taskNames: [String], options: AnalysisOptions) {
        self.taskNames = taskNames
        let t = taskNames.count
        var inner = Array(repeating: Array(repeating: 0.0, count: t), count: t)
        var top = Array(repeating: 0.0, count: t), rest = Array(repeating: 0.0, count: t), mass = Array(repeating: 0.0, count: t)
        for layer in layers {
            for (i, task) in layer.tasks.enumerated() {
                let energy = task.spectrum.norm * task.spectrum.norm
                mass[i] += energy
                top[i] += task.energy.top * energy
                rest[i] += task.energy.middlePlusTail * energy
            }
            if let similarity = layer.similarity {
                for i in 0..<t { for j in 0..<t { inner[i][j] += similarity.inner[i][j] } }
            }
        }
        cosine = (0..<t).map { i in (0..<t).map { j in
            let d = (inner[i][i] * inner[j][j]).squareRoot()
            return d > 0 ? inner[i][j] / d : 0
        } }
        topEnergy = (0..<t).map { mass[$0] > 0 ? top[$0] / mass[$0] : 0 }
        middlePlusTailEnergy = (0..<t).map { mass[$0] > 0 ? rest[$0] / mass[$0] : 0 }
        smile = SmileSizing(layers: layers, energy: options.expertEnergy)
        riskyLayers = layers.filter { $0.verdict?.level == .risky }.map(\.name)
        notMergeableLayers = layers.filter { $0.verdict?.level == .notMergeable }.map(\.name)
        let combined = TaskInterference.combined(layers.compactMap(\.interference))
        interference = combined
        pairs = []
        verdict = nil
        guard let combined, t >= 2 else { return }
        let cosine = self.cosine
        pairs = (0..<t).flatMap { i in ((i + 1)..<t).map { j in
            let merge = combined.merge(of: [i, j])
            let worst = merge.residuals.max() ?? 0
            let pairVerdict = MergeVerdict(
                interference: TaskInterference(gram: Self.subGram(combined.gram, [i, j]), ranks: [combined.ranks[i], combined.ranks[j]], energyFraction: combined.energyFraction),
                cosine: [[1, cosine[i][j]], [cosine[j][i], 1]], topEnergy: [topEnergy[i], topEnergy[j]],
                taskNames: [taskNames[i], taskNames[j]], scope: "pair", thresholds: options.thresholds)
            return PairMerge(tasks: [taskNames[i], taskNames[j]], lambdaStar: merge.lambdaStar, worstResidual: worst, cosine: cosine[i][j], level: pairVerdict.level)
        } }
        var verdict = MergeVerdict(interference: combined, cosine: cosine, topEnergy: topEnergy, taskNames: taskNames, scope: "model", thresholds: options.thresholds)
        if !notMergeableLayers.isEmpty {
            let level: Mergeability = verdict.level == .mergeable ? .risky : verdict.level
            verdict.signals.append(MergeVerdict.Signal(
                name: "layers", level: level, value: Double(notMergeableLayers.count), subject: notMergeableLayers.joined(separator: ", "),
                reason: "\(notMergeableLayers.count) of \(layers.count) layers are not mergeable on their own: \(notMergeableLayers.prefix(5).joined(separator: ", "))\(notMergeableLayers.count > 5 ? ", …" : "")"))
            verdict.signals.sort { $0.level > $1.level }
            verdict.level = Swift.max(verdict.level, level)
        }
        self.verdict = verdict
    }

    /// The Gram tensor restricted to a subset of tasks.
    private static func subGram(_ gram: [[[Double]]], _ tasks: [Int]) -> [[[Double]]] {
        tasks.map { i in tasks.map { j in tasks.map { k in gram[i][j][k] } } }
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
