import Foundation

/// Streams a ``ModelFamily`` one tensor at a time through the per-layer analyses and combines them into a
/// ``FamilyReport``. Only the tensors in flight (one, or up to ``ExecutionSettings/jobs`` with `--jobs`) of
/// every model are in memory at once.
public struct FamilyAnalyzer: Sendable {
    /// Progress of a run: `done` of `total` tensors, `current` being analysed.
    public struct Progress: Sendable {
        public var done: Int
        public var total: Int
        public var current: String
    }

    /// The per-layer settings.
    public var options: AnalysisOptions
    /// Analyse only tensors whose name matches this pattern (nil: all).
    public var include: String?
    /// Leave out tensors whose name matches this pattern.
    public var exclude: String?
    /// How each layer is computed (fast paths; results agree with the reference path to rounding).
    public var compute = ComputeSettings()
    /// Parallel layers, BLAS threads and the memory ceiling (results do not depend on them).
    public var execution = ExecutionSettings()

    public init(options: AnalysisOptions = AnalysisOptions(), include: String? = nil, exclude: String? = nil) {
        self.options = options
        self.include = include
        self.exclude = exclude
    }

    public init(options: AnalysisOptions = AnalysisOptions(), include: String? = nil, exclude: String? = nil, compute: ComputeSettings = ComputeSettings(), execution: ExecutionSettings) {
        self.options = options
        self.include = include
        self.exclude = exclude
        self.compute = compute
        self.execution = execution
    }

    /// Analyses every matched tensor of `family`.
    /// - Throws: ``CheckpointError`` when a tensor cannot be read, ``FamilyAnalyzerError`` for a bad pattern,
    ///   ``ExecutionError`` when a layer alone exceeds the memory ceiling.
    public func analyze(_ family: ModelFamily, progress: (@Sendable (Progress) -> Void)? = nil) throws -> FamilyReport {
        try analyzeMeasured(family, progress: progress).report
    }

    /// One tensor's outcome, reassembled in checkpoint order.
    private enum Outcome: Sendable {
        case layer(LayerAnalysis, LayerTimings)
        case tensor(TensorModeAnalysis)
        case vector(VectorUpdate)
        case nonFinite(FamilyReport.Problem)
        case skipped(FamilyReport.Problem)
        case nothing
    }

    /// Analyses every matched tensor of `family` and reports what it cost (wall time, peak RSS, per-layer
    /// timings). Same results as ``analyze(_:progress:)``, whatever ``execution`` says.
    public func analyzeMeasured(_ family: ModelFamily, progress: (@Sendable (Progress) -> Void)? = nil) throws -> (report: FamilyReport, performance: PerformanceReport) {
        let wall = Stopwatch()
        let includeRegex = try include.map { try FamilyAnalyzerError.compile($0) }
        let excludeRegex = try exclude.map { try FamilyAnalyzerError.compile($0) }
        var skipped = family.skipped.map { FamilyReport.Problem(tensor: $0.tensor, reason: "\($0.model): \($0.reason)") }
        let selected = family.matched.filter { tensor in
            let name = tensor.name
            if let includeRegex, name.firstMatch(of: includeRegex) == nil { return false }
            if let excludeRegex, name.firstMatch(of: excludeRegex) != nil { return false }
            return true
        }
        let dense = family.modelKinds.filter { $0 == .full }.count, lora = family.modelKinds.count - dense
        let costs = selected.map { tensor -> Int in
            tensor.shape.count == 2 && tensor.isLinearWeight
                ? MemoryAccounting.layerBytes(rows: tensor.shape[0], columns: tensor.shape[1], denseUpdates: dense, loraUpdates: lora)
                : MemoryAccounting.tensorBytes(elements: tensor.shape.reduce(1, *), models: family.taskNames.count)
        }
        let largest = costs.indices.max { costs[$0] < costs[$1] }
        if let limit = execution.maxMemoryBytes, let largest, costs[largest] > limit {
            throw ExecutionError.layerExceedsMemoryLimit(layer: selected[largest].name, neededBytes: costs[largest], limitBytes: limit)
        }
        MemoryAccounting.returnLargeAllocationsToTheSystem()
        let jobs = Swift.min(execution.jobs, Swift.max(1, selected.count))
        let previousThreads = BLASThreads.current
        let blasThreads = execution.blasThreads ?? ExecutionSettings.defaultBLASThreads(layers: selected.count, available: previousThreads)
        if blasThreads != previousThreads { BLASThreads.set(blasThreads) }
        defer { if blasThreads != previousThreads { BLASThreads.set(previousThreads) } }

        let analyzer = LayerAnalyzer(options: options, compute: compute)
        let options = self.options
        let total = selected.count
        let scheduler = BudgetedScheduler<Outcome>(costs: costs, budget: execution.maxMemoryBytes)
        let outcomes = try scheduler.run(
            jobs: jobs,
            started: { index, done in progress?(Progress(done: done, total: total, current: selected[index].name)) },
            work: { index in try Self.analyzeTensor(selected[index], family: family, analyzer: analyzer, options: options) })
        progress?(Progress(done: selected.count, total: selected.count, current: ""))

        var layers = [LayerAnalysis](), tensors = [TensorModeAnalysis](), vectors = [VectorUpdate](), nonFinite = [FamilyReport.Problem]()
        var timings = [LayerTimings]()
        for outcome in outcomes {
            switch outcome {
            case let .layer(layer, time): layers.append(layer); timings.append(time)
            case let .tensor(tensor): tensors.append(tensor)
            case let .vector(vector): vectors.append(vector)
            case let .nonFinite(problem): nonFinite.append(problem)
            case let .skipped(problem): skipped.append(problem)
            case .nothing: break
            }
        }
        var summary = FamilySummary(layers: layers, taskNames: family.taskNames, options: options)
        if !nonFinite.isEmpty {
            summary.flagUnusable(nonFinite.map(\.tensor))
        }
        let report = FamilyReport(
            base: family.basePath.path, models: family.modelPaths.map(\.path), taskNames: family.taskNames, options: options,
            layers: layers, tensors: tensors, vectors: vectors, skipped: skipped, nonFinite: nonFinite,
            notes: family.notes, summary: summary)
        let performance = PerformanceReport(
            jobs: jobs, blasThreads: blasThreads, maxMemoryBytes: execution.maxMemoryBytes,
            largestLayerEstimateBytes: largest.map { costs[$0] } ?? 0, largestLayer: largest.map { selected[$0].name } ?? "",
            peakResidentBytes: MemoryAccounting.peakResidentBytes(), wallSeconds: wall.seconds, layers: timings)
        return (report, performance)
    }

    /// One tensor, as the sequential loop always did it.
    private static func analyzeTensor(_ tensor: MatchedTensor, family: ModelFamily, analyzer: LayerAnalyzer, options: AnalysisOptions) throws -> Outcome {
        do {
            switch tensor.shape.count {
            case 2 where tensor.isLinearWeight:
                let clock = Stopwatch()
                guard let base = try family.baseMatrix(tensor.name) else { return .nothing }
                let updates = try family.updates(for: tensor.name)
                var timings = LayerTimings()
                timings.read = clock.seconds
                var layer = try analyzer.analyze(name: tensor.name, base: base, updates: updates, taskNames: family.taskNames, timings: &timings)
                if family.isStoredTransposed(tensor.name) { layer.transposed = true }
                timings.total = clock.seconds
                return .layer(layer, timings)
            case 3, 4:
                let base = try family.baseTensor(tensor.name)
                let updates = try family.denseUpdates(for: tensor.name).map { $0.values }
                return .tensor(try TensorModeAnalysis(name: tensor.name, shape: tensor.shape, base: base.values, updates: updates, taskNames: family.taskNames, rule: options.zoneRule))
            case 1:
                let base = try family.baseTensor(tensor.name)
                let fineTuned = try family.taskNames.indices.map { try family.fineTunedTensor(model: $0, tensor.name).values }
                let vector = VectorUpdate(name: tensor.name, base: base.values, fineTuned: fineTuned)
                if vector.norms.allSatisfy(\.isFinite) {
                    return .vector(vector)
                }
                return .nonFinite(FamilyReport.Problem(tensor: tensor.name, reason: "NaN or Inf values"))
            default:
                return .skipped(FamilyReport.Problem(tensor: tensor.name, reason: "a \(tensor.shape.count)-D tensor that is not a linear weight (e.g. an embedding) is not analysed"))
            }
        } catch let error as LinearAlgebraError {
            return .nonFinite(FamilyReport.Problem(tensor: tensor.name, reason: error.description))
        }
    }
}

/// Errors of a family run that are not about a file.
public enum FamilyAnalyzerError: Error, CustomStringConvertible, Equatable {
    /// An `--include` / `--exclude` pattern is not a valid regular expression.
    case invalidPattern(String, String)

    public var description: String {
        switch self {
        case let .invalidPattern(pattern, message): return "invalid pattern \"\(pattern)\": \(message)"
        }
    }

    static func compile(_ pattern: String) throws -> Regex<AnyRegexOutput> {
        do { return try Regex(pattern) } catch { throw FamilyAnalyzerError.invalidPattern(pattern, "\(error)") }
    }
}
