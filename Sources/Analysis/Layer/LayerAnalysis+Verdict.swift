extension LayerAnalysis {
    /// This layer judged with `thresholds`: ``verdict`` re-derived from the stored signals (the layer's
    /// interference objective, task-vector cosines and top-zone energies; nil for T < 2) and
    /// `options.thresholds` set to them. Every other field is unchanged, so a stored layer judged with the
    /// thresholds of the run that computed it equals the layer that run reported.
    public func judged(by thresholds: VerdictThresholds) -> LayerAnalysis {
        var layer = self
        layer.options.thresholds = thresholds
        layer.verdict = interference.flatMap { interference in
            similarity.map { similarity in
                MergeVerdict(
                    interference: interference, cosine: similarity.cosine, topEnergy: tasks.map(\.energy.top),
                    taskNames: taskNames, scope: name, thresholds: thresholds)
            }
        }
        return layer
    }
}
