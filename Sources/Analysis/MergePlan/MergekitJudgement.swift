/// A mergekit config judged by the data-free objective: the residuals at the config's own weights beside
/// those at λ* and w*.
///
/// The config's merge is read as the dense task arithmetic W_pre + Σⱼ cⱼ ΔWⱼ with
/// cⱼ = ``MergekitConfig/effectiveWeights``. For sparsifying methods (TIES, DARE, DELLA, breadcrumbs)
/// that is what the merge would be without trimming, random dropping, rescaling and sign election: the
/// residuals here say nothing about those steps, and ``notes`` says so.
public struct MergekitJudgement: Codable, Sendable, Equatable {
    /// The config's method.
    public var method: String
    /// Family task index of each config model, in config order.
    public var tasks: [Int]
    /// cⱼ per config model.
    public var effectiveWeights: [Double]
    /// Lᵢ at the config's weights, at λ* and at w* (config order).
    public var residualsAtConfig: [Double]
    public var lambdaStar: Double?
    public var residualsAtLambdaStar: [Double]
    public var weights: TaskWeights?
    /// max Lᵢ at the config's weights.
    public var worstResidualAtConfig: Double
    /// The expected share of accuracy kept at the config's weights.
    public var retention: RetentionEstimate
    /// What the dense objective does not capture for this method (empty for dense methods).
    public var notes: [String]
    /// For TIES, DARE and DELLA configs: trimming energy and sign conflict summed over the layers' records.
    public var sparsification: SparsificationSummary?

    /// Judges `config` against the family's combined objective; `tasks[p]` is the family index of the
    /// config's p-th model. `layers` carry the per-tensor ``SparsificationStatistics`` of a sparsifying
    /// config (computed when ``AnalysisOptions/sparsification`` was set).
    public init(config: MergekitConfig, tasks: [Int], interference: TaskInterference, layers: [LayerAnalysis] = [], ridge: Double = 0) {
        method = config.mergeMethod
        self.tasks = tasks
        effectiveWeights = config.effectiveWeights
        residualsAtConfig = interference.residuals(of: tasks, weights: effectiveWeights)
        let merge = interference.merge(of: tasks)
        lambdaStar = merge.lambdaStar
        residualsAtLambdaStar = merge.residuals
        weights = interference.optimalWeights(of: tasks, ridge: ridge)
        worstResidualAtConfig = residualsAtConfig.max() ?? 0
        retention = RetentionEstimate(worstResidual: worstResidualAtConfig)
        notes = MergekitConfig.sparsifyingMethods.contains(config.mergeMethod) ? [
            "\(config.mergeMethod) sparsifies each update before summing (trim to density / random drop and rescale\(config.mergeMethod.contains("ties") || config.mergeMethod == "della" ? " / sign election" : "")); the residuals are those of the dense sum at the same weights and do not see what sparsification removes or which entries cancel.",
        ] : []
        sparsification = SparsificationSettings(config: config, tasks: tasks).flatMap { SparsificationSummary(layers: layers, settings: $0) }
        if let s = sparsification { notes.append(Self.sparsificationNote(s)) }
    }

    /// The plain sentence on what sparsification does that the dense objective misses.
    static func sparsificationNote(_ s: SparsificationSummary) -> String {
        let removed = s.removedEnergy.max() ?? 0
        let kind = s.isExpectation ? "in expectation over the random masks, " : ""
        var note = "The dense objective assumes every entry of every update is summed; \(kind)trimming removes up to \(Int((removed * 100).rounded()))% of a model's update energy, and \(Int((s.conflictShare * 100).rounded()))% of the entries kept by two or more models carry opposite signs"
        if let discarded = s.electionDiscardedShare {
            note += "; the sign election then discards \(Int((discarded * 100).rounded()))% of the kept energy"
        }
        return note + ": neither loss appears in the residuals above."
    }
}
