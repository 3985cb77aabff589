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

    /// Judges `config` against the family's combined objective; `tasks[p]` is the family index of the
    /// config's p-th model.
    public init(config: MergekitConfig, tasks: [Int], interference: TaskInterference, ridge: Double = 0) {
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
    }
}
