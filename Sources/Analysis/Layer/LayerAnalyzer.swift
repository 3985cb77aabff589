/// Runs the per-layer analysis: one SVD of W_pre shared by all tasks, projections of every update onto
/// W_pre's thin bases, then one SVD per update, then the cross-task signals.
public struct LayerAnalyzer: Sendable {
    /// The settings.
    public var options: AnalysisOptions
    /// How the work is done (fast paths); results agree with ``ComputeSettings/reference`` to float32
    /// rounding.
    public var compute: ComputeSettings
    /// When set, the per-task parts of a layer are offered to idle lanes of the run (``TaskSharing``);
    /// results are the same with or without it.
    public var sharing: TaskSharing?

    public init(options: AnalysisOptions = AnalysisOptions()) {
        self.options = options
        self.compute = ComputeSettings()
    }

    public init(options: AnalysisOptions = AnalysisOptions(), compute: ComputeSettings, sharing: TaskSharing? = nil) {
        self.options = options
        self.compute = compute
        self.sharing = sharing
    }

    /// Analyses one layer.
    ///
    /// - Parameters:
    ///   - name: the tensor name (used in results and error messages).
    ///   - base: W_pre, m×n.
    ///   - updates: ΔWᵢ per task, each m×n (dense or LoRA factors).
    ///   - taskNames: one name per update.
    /// - Throws: ``LinearAlgebraError`` naming the layer when an input is non-finite or an SVD fails.
    public func analyze(name: String, base: MatrixF, updates: [WeightUpdate], taskNames: [String]) throws -> LayerAnalysis {
        var timings = LayerTimings()
        return try analyze(name: name, base: base, updates: updates, taskNames: taskNames, timings: &timings)
    }

    /// Analyses one layer and records where the time went in `timings`.
    public func analyze(name: String, base: MatrixF, updates: [WeightUpdate], taskNames: [String], timings: inout LayerTimings) throws -> LayerAnalysis {
        precondition(updates.count == taskNames.count, "one task name per update")
        timings.name = name
        timings.rows = base.rows
        timings.columns = base.columns
        timings.tasks = updates.count
        var clock = Stopwatch()
        let baseNorm = Double(base.frobeniusNorm)
        let sigma: [Double], zones: ZoneSplit, fourWay: ZoneSplit?
        var views = [TaskView]()
        // Pass 1 — everything that reads W_pre's factors: energy maps and intruders. The factors are
        // released at the end of this scope, before the updates' own factorizations need their memory.
        do {
            let factored = try decomposeBaseAsRead(base, name: name, timings: &timings)
            timings.baseSVD = clock.seconds
            var baseSVD = factored.decomposition
            sigma = factored.singularValues.map(Double.init)
            let split = splits(base, sigma)
            zones = split.zones
            fourWay = split.fourWay
            // The 4-way split's low cut k₂ is at least k (ZoneSplit raises it), so it is the deepest cut.
            let depth = compute.projectToDeepestCut ? (fourWay ?? zones).leftCuts.last : nil
            var complete = baseSVD.rank == base.minDimension
            // W_pre's complete factorization, when its leading vectors turn out not to be enough.
            func completeBase() throws {
                guard !complete else { return }
                var ignored = LayerTimings()
                baseSVD = try decomposeBase(base, name: name, timings: &ignored)
                complete = true
            }
            if let depth, depth > baseSVD.rank { try completeBase() }
            if complete || !options.computeIntruders {
                // W_pre's factors are final: the tasks' projections and intruders are independent items
                // (offered to idle lanes when the run shares them).
                let factors = baseSVD
                let item = { @Sendable [self] (index: Int) throws -> (view: TaskView, seconds: Double, timings: LayerTimings) in
                    var own = LayerTimings()
                    let clock = Stopwatch()
                    let view = try projected(updates[index], task: taskNames[index], name: name, base: base, baseSVD: factors, depth: depth,
                                             zones: zones, fourWay: fourWay, complete: true, timings: &own).view
                    return (view, clock.seconds, own)
                }
                for item in try sharing.map({ try $0.map(updates.count, item) }) ?? updates.indices.map(item) {
                    views.append(item.view)
                    timings.perTask.append(item.seconds)
                    timings.intruders.append(contentsOf: item.timings.intruders)
                    timings.intruderIterations += item.timings.intruderIterations
                    timings.intruderFallbacks += item.timings.intruderFallbacks
                }
            } else {
                for (update, task) in zip(updates, taskNames) {
                    clock = Stopwatch()
                    var (view, undecided) = try projected(update, task: task, name: name, base: base, baseSVD: baseSVD, depth: depth,
                                                          zones: zones, fourWay: fourWay, complete: complete, timings: &timings)
                    if let fineTuned = undecided {
                        // W_pre's leading vectors do not settle the intruders: complete its factorization.
                        let completion = Stopwatch()
                        try completeBase()
                        timings.baseCompletedForIntruders = true
                        view.intruders = IntruderDimensions(fineTuned: fineTuned, base: baseSVD, top: options.intruderTop, threshold: options.intruderThreshold)
                        timings.intruders[timings.intruders.count - 1] += completion.seconds
                    }
                    views.append(view)
                    timings.perTask.append(clock.seconds)
                }
            }
        }
        // Pass 2 — each update's own spectrum and, for T ≥ 2, the singular vectors the cross-task
        // signals read.
        let needVectors = updates.count >= 2 || !compute.valuesOnlyForSingleTask
        var decompositions = [SingularValueDecomposition<Float>]()
        var ranks = [Int](), stiRanks = [Int]()
        var tasks = [LayerAnalysis.TaskResult]()
        let spectra = { @Sendable [self] (index: Int) throws -> (svd: SingularValueDecomposition<Float>?, spectrum: UpdateSpectrum, seconds: Double) in
            let clock = Stopwatch()
            let (svd, spectrum) = try updateSpectrum(updates[index], needVectors: needVectors, baseNorm: baseNorm, context: "\(name) (update of \(taskNames[index]))")
            return (svd, spectrum, clock.seconds)
        }
        let computed = try sharing.map { try $0.map(updates.count, spectra) } ?? updates.indices.map(spectra)
        for (index, (task, item)) in zip(taskNames, computed).enumerated() {
            clock = Stopwatch()
            let (svd, spectrum) = (item.svd, item.spectrum)
            let rank = spectrum.rank(holding: options.interferenceEnergy)
            if let svd {
                // A Gram factorization may carry fewer vectors than its final σ would ask for (σ moved in
                // the last digits between choosing and refining): never claim more than are there.
                let kept = Swift.min(rank, svd.rank), stiRank = Swift.min(options.stiRank ?? rank, svd.rank)
                ranks.append(kept)
                stiRanks.append(stiRank)
                decompositions.append(compute.truncateUpdateFactors ? svd.truncated(to: Swift.max(kept, stiRank)) : svd)
            } else {
                ranks.append(rank)
            }
            let view = views[index]
            tasks.append(LayerAnalysis.TaskResult(
                task: task, energy: view.energy, energyFourWay: view.fourWay,
                spectrum: spectrum, intruders: view.intruders, expertRank: spectrum.rank(holding: options.expertEnergy)))
            timings.perTask[index] += item.seconds + clock.seconds
        }
        clock = Stopwatch()
        let numericalRank = Self.numericalRank(sigma, rows: base.rows, columns: base.columns)
        var analysis = LayerAnalysis(
            name: name, rows: base.rows, columns: base.columns, options: options, baseSingularValues: sigma,
            baseNorm: baseNorm, numericalRank: numericalRank,
            warnings: Self.warnings(tasks: tasks, numericalRank: numericalRank, rows: base.rows, columns: base.columns),
            zones: zones, zonesFourWay: fourWay, tasks: tasks)
        if updates.count >= 2 {
            let interference = TaskInterference(
                updates: updates, decompositions: decompositions, ranks: ranks, energyFraction: options.interferenceEnergy)
            analysis.interference = interference
            analysis.residualsByLambda = options.lambdaGrid.map { lambda in
                updates.indices.map { interference.all.residual(at: $0, lambda: lambda) }
            }
            // Principal angles and STI read the same subspace overlaps: formed once when their ranks agree.
            let overlaps = SubspaceOverlaps(decompositions: decompositions, ranks: ranks)
            let similarity = try TaskSimilarity(updates: updates, overlaps: overlaps)
            analysis.similarity = similarity
            analysis = analysis.judged(by: options.thresholds)
            analysis.singularTaskInterference = SingularTaskInterference(
                decompositions: decompositions,
                overlaps: stiRanks == ranks ? overlaps : SubspaceOverlaps(decompositions: decompositions, ranks: stiRanks))
            if compute.methodResiduals {
                analysis.methodResiduals = try MethodResidualSums(updates: updates, rightVectors: decompositions.map(\.vt), ranks: ranks, context: name)
            }
        }
        if let settings = options.sparsification, settings.tasks.allSatisfy({ updates.indices.contains($0) }) {
            analysis.sparsification = SparsificationStatistics(updates: settings.tasks.map { updates[$0].dense }, settings: settings)
        }
        timings.crossTask = clock.seconds
        return analysis
    }

    /// One task's reading of W_pre's factors: its energy maps (3-way, 4-way) and intruders.
    private typealias TaskView = (energy: EnergyMap, fourWay: EnergyMap?, intruders: IntruderDimensions?)

    /// One update projected onto W_pre's factors (`baseSVD`, down to `depth`), and its intruders when
    /// asked. With only W_pre's leading vectors (`complete` false) the intruders may be undecided: then
    /// `intruders` is nil and `undecided` holds W_ft's top vectors, for the caller to judge once W_pre is
    /// complete. Appends the intruder time (and the search's counts) to `timings`.
    private func projected(_ update: WeightUpdate, task: String, name: String, base: MatrixF, baseSVD: SingularValueDecomposition<Float>, depth: Int?,
                           zones: ZoneSplit, fourWay: ZoneSplit?, complete: Bool, timings: inout LayerTimings) throws -> (view: TaskView, undecided: SingularValueDecomposition<Float>?) {
        guard update.isFinite else { throw LinearAlgebraError.nonFiniteInput(context: "\(name) (update of \(task))") }
        let projection = BasisProjection(update: update, base: baseSVD, depth: depth)
        var intruders: IntruderDimensions?, undecided: SingularValueDecomposition<Float>?
        if options.computeIntruders {
            let intruderClock = Stopwatch()
            let fineTuned = try topVectorsOfFineTuned(base: base, update: update, baseSVD: baseSVD, context: "\(name) (fine-tuned \(task))", timings: &timings)
            intruders = complete
                ? IntruderDimensions(fineTuned: fineTuned, base: baseSVD, top: options.intruderTop, threshold: options.intruderThreshold)
                : IntruderDimensions(fineTuned: fineTuned, leadingBase: baseSVD, top: options.intruderTop, threshold: options.intruderThreshold)
            if intruders == nil { undecided = fineTuned }
            timings.intruders.append(intruderClock.seconds)
        } else {
            timings.intruders.append(0)
        }
        return ((EnergyMap(projection: projection, zones: zones), fourWay.map { EnergyMap(projection: projection, zones: $0) }, intruders), undecided)
    }

    /// Singular vector pairs of W_pre formed beyond the deepest zone cut (and the intruders' top), so that
    /// the cut computed again from the final σ (Rayleigh quotients for the kept pairs) is still covered.
    public static let baseVectorMargin = 8

    /// The zone splits of `base` for singular values `sigma` (3-way, 4-way when asked) and the deepest cut.
    private func splits(_ base: MatrixF, _ sigma: [Double]) -> (zones: ZoneSplit, fourWay: ZoneSplit?, deepest: Int) {
        let zones = ZoneSplit(rows: base.rows, columns: base.columns, singularValues: sigma, rule: options.zoneRule)
        let fourWay = options.lowZoneRule.map {
            ZoneSplit(rows: base.rows, columns: base.columns, singularValues: sigma, rule: options.zoneRule, lowRule: $0)
        }
        return (zones, fourWay, (fourWay ?? zones).leftCuts.last ?? 0)
    }

    /// All r singular values of W_pre and the singular vector pairs the analysis reads: for a square W_pre
    /// (when ``compute`` allows, see ``ComputeSettings/leadingBaseVectors``) down to the deepest zone cut
    /// (or the intruders' top) plus ``baseVectorMargin``, otherwise all r.
    public func decomposeBaseAsRead(_ base: MatrixF, name: String, timings: inout LayerTimings) throws -> (decomposition: SingularValueDecomposition<Float>, singularValues: [Float]) {
        let leading = compute.leadingBaseVectors && compute.factorsFromGram && compute.projectToDeepestCut && base.rows == base.columns
        return try decomposeBase(base, name: name, leadingVectors: leading ? { sigma in
            Swift.max(splits(base, sigma.map(Double.init)).deepest, options.intruderTop) + Self.baseVectorMargin
        } : nil, timings: &timings)
    }

    /// The thin SVD of W_pre as ``compute`` asks for it: from the Double Gram matrix (LAPACK when that
    /// returns nil: a zero or exactly rank-deficient W), then re-orthonormalized if the factors drift. Records which path ran and
    /// the factors' orthonormality error in `timings`.
    public func decomposeBase(_ base: MatrixF, name: String, timings: inout LayerTimings) throws -> SingularValueDecomposition<Float> {
        try decomposeBase(base, name: name, leadingVectors: nil, timings: &timings).decomposition
    }

    /// All r singular values of W_pre and its leading singular vector pairs: as many as `leadingVectors`
    /// asks for given the values (nil: all r; the LAPACK path always gives all r), otherwise as
    /// ``decomposeBase(_:name:timings:)``.
    public func decomposeBase(_ base: MatrixF, name: String, leadingVectors: (([Float]) -> Int)?, timings: inout LayerTimings) throws -> (decomposition: SingularValueDecomposition<Float>, singularValues: [Float]) {
        let context = "\(name) (pretrained)"
        var svd: SingularValueDecomposition<Float>
        let values: [Float]
        var measured: Double?
        if compute.factorsFromGram, let fromGram = try base.measuredSingularValueDecompositionFromGram(
            keepingVectors: leadingVectors, vectorBound: nil, iteration: LeadingEigenvectorIteration(), tolerance: 4e-6, context: context) {
            (svd, values, measured) = fromGram
            timings.baseFromGram = true
        } else {
            svd = try base.singularValueDecomposition(context: context)
            values = svd.singularValues
        }
        timings.baseVectors = svd.rank
        if compute.reorthonormalizeBase {
            let fixed = svd.reorthonormalized(measured: measured)
            svd = fixed.decomposition
            timings.baseOrthonormalityError = fixed.before
            timings.baseOrthonormalityErrorAfter = fixed.after
        }
        return (svd, values)
    }

    /// The SVD of one update and all its singular values: for a dense ΔW from its Double Gram matrix with
    /// only the vectors the cross-task signals read (when ``compute`` allows; a few of them by certified
    /// block iteration, see ``ComputeSettings/twoStageSpectra``), else LAPACK's thin SVD (LoRA: via its
    /// q×q core).
    private func decomposeUpdate(_ update: WeightUpdate, baseNorm: Double, context: String) throws -> (SingularValueDecomposition<Float>, [Float]) {
        let fraction = options.interferenceEnergy, stiRank = options.stiRank ?? 0
        // Ky Fan: Σ_{i≤j} θᵢ ≤ Σ_{i≤j} σᵢ² for the Ritz values θ of ΔWᵀΔW, so the first j whose θ hold the
        // fraction of trace = ‖ΔW‖²_F bounds the energy rank from above.
        let fewVectors = { (ritz: [Double], trace: Double) -> Int? in
            var running = 0.0
            for (j, theta) in ritz.enumerated() {
                running += theta
                if running >= fraction * trace { return Swift.max(j + 1, stiRank) }
            }
            return nil
        }
        if compute.factorsFromGram, case let .dense(delta) = update,
           let fromGram = try delta.singularValueDecompositionFromGram(keepingVectors: { sigma in
               guard compute.truncateUpdateFactors else { return sigma.count }
               let rank = UpdateSpectrum(singularValues: sigma.map(Double.init), baseNorm: baseNorm).rank(holding: fraction)
               return Swift.max(rank, stiRank)
           }, vectorBound: compute.twoStageSpectra && compute.truncateUpdateFactors ? fewVectors : nil,
           iteration: compute.updateVectorIteration, context: context) {
            return fromGram
        }
        let svd = try update.singularValueDecomposition(context: context)
        return (svd, svd.singularValues)
    }

    /// One update's spectrum and, when `needVectors`, the singular vectors the cross-task signals read:
    /// the leading spectrum when it certifies, else the complete one.
    private func updateSpectrum(_ update: WeightUpdate, needVectors: Bool, baseNorm: Double, context: String) throws -> (SingularValueDecomposition<Float>?, UpdateSpectrum) {
        if let leading = try leadingSpectrum(update, needVectors: needVectors, baseNorm: baseNorm, context: context) {
            return leading
        }
        if needVectors {
            let (decomposition, singularValues) = try decomposeUpdate(update, baseNorm: baseNorm, context: context)
            return (decomposition, UpdateSpectrum(singularValues: singularValues.map(Double.init), baseNorm: baseNorm))
        }
        let singularValues = try update.singularValuesOnly(context: context, fromGram: compute.factorsFromGram, twoStage: compute.twoStageSpectra)
        return (nil, UpdateSpectrum(singularValues: singularValues.map(Double.init), baseNorm: baseNorm))
    }

    /// The deepest share of ‖ΔW‖² any output reads from an update's spectrum: rank99 (0.99), the
    /// interference subspaces (`interferenceEnergy`) and the SMILE sizing (`expertEnergy`).
    public static func deepestSpectrumEnergy(_ options: AnalysisOptions) -> Double {
        Swift.max(0.99, options.interferenceEnergy, options.expertEnergy)
    }

    /// A dense update's spectrum only as deep as the report reads (``ComputeSettings/leadingUpdateSpectra``):
    /// the leading σ until they hold ``deepestSpectrumEnergy(_:)`` and, when `needVectors`, the pairs of
    /// its interference subspace (or the STI rank when larger); nil when that path is off, does not apply
    /// (LoRA, a small or zero ΔW) or does not certify — then the complete reduction runs.
    private func leadingSpectrum(_ update: WeightUpdate, needVectors: Bool, baseNorm: Double, context: String) throws -> (SingularValueDecomposition<Float>?, UpdateSpectrum)? {
        guard let settings = compute.leadingUpdateSpectra, compute.factorsFromGram, compute.truncateUpdateFactors,
              case let .dense(delta) = update else { return nil }
        let fraction = options.interferenceEnergy, stiRank = needVectors ? options.stiRank ?? 0 : 0
        guard let leading = try delta.leadingSingularSpectrum(holding: Self.deepestSpectrumEnergy(options), minimumDepth: stiRank, vectors: { sigma, energy in
            guard needVectors else { return 0 }
            let captured = sigma.reduce(0) { $0 + $1 * $1 }
            let rank = UpdateSpectrum(singularValues: sigma, baseNorm: 0, uncapturedEnergy: Swift.max(0, energy - captured)).rank(holding: fraction)
            return Swift.max(rank, stiRank)
        }, settings: settings, context: context) else { return nil }
        let spectrum = UpdateSpectrum(singularValues: leading.singularValues, baseNorm: baseNorm, uncapturedEnergy: leading.uncapturedEnergy,
                                      squaredValueBound: leading.squaredValueBound, computation: .leading)
        return (needVectors ? leading.decomposition : nil, spectrum)
    }

    /// The top `options.intruderTop` singular triplets of W_ft = W_pre + ΔW (only u is read). The randomized
    /// path is warm-started from W_pre's leading left singular vectors (`baseSVD`) when
    /// ``ComputeSettings/warmStartIntruders`` allows.
    private func topVectorsOfFineTuned(base: MatrixF, update: WeightUpdate, baseSVD: SingularValueDecomposition<Float>, context: String, timings: inout LayerTimings) throws -> SingularValueDecomposition<Float> {
        let fineTuned = update.fineTuned(from: base)
        func randomized(_ settings: TruncatedSVDSettings) throws -> SingularValueDecomposition<Float> {
            let guesses = Swift.min(baseSVD.rank, settings.oversampling)
            let start = compute.warmStartIntruders && guesses > 0 ? baseSVD.u.columns(0..<guesses) : nil
            return record(try fineTuned.topSingularTriplets(options.intruderTop, settings: settings, start: start, context: context), &timings)
        }
        switch compute.intruderVectors {
        case .exactSVD:
            return try fineTuned.singularValueDecomposition(context: context)
        case let .randomized(settings):
            return try randomized(settings)
        case .gram:
            return record(try fineTuned.topSingularTripletsFromGram(options.intruderTop, context: context), &timings)
        case let .automatic(settings):
            return fineTuned.minDimension >= settings.minimumRank
                ? try randomized(settings)
                : record(try fineTuned.topSingularTripletsFromGram(options.intruderTop, context: context), &timings)
        }
    }

    private func record(_ outcome: TruncatedSVDOutcome, _ timings: inout LayerTimings) -> SingularValueDecomposition<Float> {
        timings.intruderIterations += outcome.iterations
        if outcome.usedExactFallback { timings.intruderFallbacks += 1 }
        return outcome.decomposition
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
