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
        let numericalRank = Self.numericalRank(sigma, rows: base.rows, columns: base.columns)
        var analysis = LayerAnalysis(
            name: name, rows: base.rows, columns: base.columns, options: options, baseSingularValues: sigma,
            baseNorm: baseNorm, numericalRank: numericalRank,
            warnings: Self.warnings(tasks: tasks, numericalRank: numericalRank, rows: base.rows, columns: base.columns),
            zones: zones, zonesFourWay: fourWay, tasks: tasks)
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

    /// #{σⱼ > σ₁·max(m, n)·ε}, LAPACK's usual rank tolerance for single precision.
    static func numericalRank(_ sigma: [Double], rows: Int, columns: Int) -> Int {
        let tolerance = (sigma.first ?? 0) * Double(Swift.max(rows, columns)) * Double(Float.ulpOfOne)
        return sigma.filter { $0 > tolerance }.count
    }

    /// Plain-language warnings for numbers that are defined but should not be over-read.
    static func warnings(tasks: [LayerAnalysis.TaskResult], numericalRank: Int, rows: Int, columns: Int) -> [String] {
        var warnings = [String]()
        let r = Swift.min(rows, columns)
        if numericalRank < r && rows != columns {
            warnings.append("W_pre has numerical rank \(numericalRank) < r = \(r): its zero singular directions are an arbitrary pick from the null space, so the split between middle (E_II) and tail is basis-dependent; read E_II+III instead")
        }
        for task in tasks {
            if task.energy.isZeroUpdate {
                warnings.append("\(task.task): ΔW = 0 (identical weights); its energy map is all zero and it takes no part in interference")
            } else if task.spectrum.relativeNorm < 1e-6 {
                warnings.append("\(task.task): ‖ΔW‖/‖W‖ = \(task.spectrum.relativeNorm) is at float32 rounding level; its zone energies describe rounding noise")
            }
        }
        return warnings
    }
}
