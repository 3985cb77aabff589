extension FamilyReport {
    /// The family report of `records` — the single path from per-tensor records to the whole-model
    /// report, whether the records were computed in memory or read from a ``ResultsStore``.
    ///
    /// Records are taken in the order given (checkpoint order); every layer is judged with `thresholds`
    /// (``LayerAnalysis/judged(by:)``), so are the model and its pairs (``FamilySummary``); `options` are
    /// the manifest's with these thresholds. The family's own skips come first in ``skipped``, then the
    /// records' skips; tensors with non-finite values make the verdict "not mergeable".
    public init(assembling manifest: StoreManifest, records: [LayerRecord], thresholds: VerdictThresholds) {
        var options = manifest.options
        options.thresholds = thresholds
        var layers = [LayerAnalysis](), tensors = [TensorModeAnalysis](), vectors = [VectorUpdate]()
        var skipped = manifest.skipped, nonFinite = [FamilyReport.Problem]()
        for record in records {
            switch record.result {
            case let .layer(layer): layers.append(layer.judged(by: thresholds))
            case let .tensor(tensor): tensors.append(tensor)
            case let .vector(vector): vectors.append(vector)
            case let .nonFinite(problem): nonFinite.append(problem)
            case let .skipped(problem): skipped.append(problem)
            }
        }
        var summary = FamilySummary(layers: layers, taskNames: manifest.taskNames, options: options)
        if !nonFinite.isEmpty {
            summary.flagUnusable(nonFinite.map(\.tensor))
        }
        self.init(
            base: manifest.base, models: manifest.models.map(\.path), taskNames: manifest.taskNames, options: options,
            layers: layers, tensors: tensors, vectors: vectors, skipped: skipped, nonFinite: nonFinite,
            notes: manifest.notes, summary: summary)
    }
}

extension LayerRecord {
    /// Whether this record was computed with `options` (compared without their thresholds).
    func isComputed(with options: AnalysisOptions) -> Bool {
        switch result {
        case let .layer(layer): return layer.options.computing == options.computing
        default: return true
        }
    }

    /// Whether this record holds what ``ComputeSettings/methodResiduals`` adds (or needs none: not a 2-D
    /// layer of T ≥ 2 tasks).
    public var hasMethodResiduals: Bool {
        guard case let .layer(layer) = result, layer.tasks.count >= 2 else { return true }
        return layer.methodResiduals != nil
    }
}
