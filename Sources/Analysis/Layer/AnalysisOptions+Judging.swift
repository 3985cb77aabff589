/// Computing options versus judging options: every field of ``AnalysisOptions`` changes a computed number
/// except ``AnalysisOptions/thresholds``, which only decide verdicts and are applied when a report is built
/// (``LayerAnalysis/judged(by:)``, ``FamilyReport/init(assembling:records:thresholds:)``).
extension AnalysisOptions {
    /// These options with the thresholds at their defaults: what identifies a computation.
    public var computing: AnalysisOptions {
        var options = self
        options.thresholds = VerdictThresholds()
        return options
    }
}
