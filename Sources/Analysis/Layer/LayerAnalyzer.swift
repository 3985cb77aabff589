/// Runs the per-layer analysis: one SVD of W_pre shared by all tasks, one SVD per update, projections of
/// every update onto W_pre's thin bases, then the cross-task signals.
public struct LayerAnalyzer: Sendable {
    /// The settings.
    public var options: AnalysisOptions

    public init(options: AnalysisOptions = AnalysisOptions()) { self.options = options }

    /// Analyses one layer.
    ///
    /// - Parameters:
    ///   - name: the tensor name (used in results and error messages).
    ///   - base: W_pre, m×n.
    ///   - updates: ΔWᵢ per task, each m×n (dense or LoRA factors).
    ///   - taskNames: one name per update.
    /// - Throws: ``LinearAlgebraError`` naming the layer when an input is non-finite or an SVD fails.
    public func analyze(name: String, base: MatrixF, updates: [WeightUpdate], taskNames: [String]) throws -> LayerAnalysis {
        precondition(updates.count == taskNames.count, "one task name per update")
        let baseSVD = try base.singularValueDecomposition(context: "\(name) (pretrained)")
        let sigma = baseSVD.singularValues.map(Double.init)
        let baseNorm = Double(base.frobeniusNorm)
        let zones = ZoneSplit(rows: base.rows, columns: base.columns, singularValues: sigma, rule: options.zoneRule)
        let fourWay = options.lowZoneRule.map {
            ZoneSplit(rows: base.rows, columns: base.columns, singularValues: sigma, rule: options.zoneRule, lowRule: $0)
        }
        var decompositions = [SingularValueDecomposition<Float>]()
        var tasks = [LayerAnalysis.TaskResult]()
        for (update, task) in zip(updates, taskNames) {
            let context = "\(name) (update of \(task))"
            let svd = try update.singularValueDecomposition(context: context)
            decompositions.append(svd)
            let projection = BasisProjection(update: update, base: baseSVD)
            let spectrum = UpdateSpectrum(singularValues: svd.singularValues.map(Double.init), baseNorm: baseNorm)
            var intruders: IntruderDimensions?
            if options.computeIntruders {
                let fineTuned = try (base + update.dense).singularValueDecomposition(context: "\(name) (fine-tuned \(task))")
                intruders = IntruderDimensions(fineTuned: fineTuned, base: baseSVD, top: options.intruderTop, threshold: options.intruderThreshold)
            }
            tasks.append(LayerAnalysis.TaskResult(
                task: task, energy: EnergyMap(projection: projection, zones: zones),
                energyFourWay: fourWay.map { EnergyMap(projection: projection, zones: $0) },
                spectrum: spectrum, intruders: intruders, expertRank: spectrum.rank(holding: options.expertEnergy)))
        }
        var analysis = LayerAnalysis(
            name: name, rows: base.rows, columns: base.columns, options: options, baseSingularValues: sigma,
            baseNorm: baseNorm, zones: zones, zonesFourWay: fourWay, tasks: tasks)
        if updates.count >= 2 {
            let ranks = tasks.map { $0.spectrum.rank(holding: options.interferenceEnergy) }
            let interference = TaskInterference(
                updates: updates, decompositions: decompositions, ranks: ranks, energyFraction: options.interferenceEnergy)
            analysis.interference = interference
            analysis.residualsByLambda = options.lambdaGrid.map { lambda in
                updates.indices.map { interference.all.residual(at: $0, lambda: lambda) }
            }
            let similarity = try TaskSimilarity(updates: updates, decompositions: decompositions, ranks: ranks)
            analysis.similarity = similarity
            analysis.verdict = MergeVerdict(
                interference: interference, cosine: similarity.cosine, topEnergy: tasks.map(\.energy.top),
                taskNames: taskNames, scope: name, thresholds: options.thresholds)
            let stiRanks = options.stiRank.map { k in decompositions.map { Swift.min(k, $0.rank) } } ?? ranks
            analysis.singularTaskInterference = SingularTaskInterference(decompositions: decompositions, ranks: stiRanks)
        }
        return analysis
    }
}
