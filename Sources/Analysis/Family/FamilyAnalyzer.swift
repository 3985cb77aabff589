import Foundation

/// Streams a ``ModelFamily`` one tensor at a time through the per-layer analyses and combines them into a
/// ``FamilyReport``. Only the tensors in flight (one, or up to ``ExecutionSettings/jobs`` with `--jobs`) of
/// every model are in memory at once.
///
/// Every tensor's outcome is a ``LayerRecord``, and the report is always assembled from the records
/// (``FamilyReport/init(assembling:records:thresholds:)``): kept in memory, or written to a ``store`` as
/// each tensor finishes, reused by a later run of the same inputs and options, and filled by several
/// ``shard`` processes at once.
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

    /// A results store to resume from and write every tensor's record to as soon as it is analysed
    /// (nil: records are kept in memory only).
    public var store: URL?
    /// Analyse only this shard's part of the selection (``ShardPlan``); needs a ``store``.
    public var shard: Shard?

    /// Analyses every matched tensor of `family`.
    /// - Throws: ``CheckpointError`` when a tensor cannot be read, ``FamilyAnalyzerError`` for a bad pattern,
    ///   ``ExecutionError`` when a layer alone exceeds the memory ceiling, ``StoreError`` for a store of
    ///   other inputs or options.
    public func analyze(_ family: ModelFamily, progress: (@Sendable (Progress) -> Void)? = nil) throws -> FamilyReport {
        try analyzeMeasured(family, progress: progress).report
    }

    /// Analyses every matched tensor of `family` (the whole selection, whatever ``shard`` says) and reports
    /// what it cost (wall time, peak RSS, per-layer timings). Same results as ``analyze(_:progress:)``,
    /// whatever ``execution`` says.
    public func analyzeMeasured(_ family: ModelFamily, progress: (@Sendable (Progress) -> Void)? = nil) throws -> (report: FamilyReport, performance: PerformanceReport) {
        var whole = self
        whole.shard = nil
        let run = try whole.run(family, progress: progress)
        return (run.report!, run.performance)
    }

    /// The tensors of `family` that ``include`` and ``exclude`` select, in checkpoint order.
    /// Throws ``FamilyAnalyzerError/emptySelection(include:exclude:matched:)`` when the patterns select
    /// nothing: a report over no tensor would read as a report over the model.
    public func selection(of family: ModelFamily) throws -> [MatchedTensor] {
        let selection = try tensorSelection
        let selected = family.matched.filter { selection.contains($0.name) }
        guard !selected.isEmpty else { throw FamilyAnalyzerError.emptySelection(include: include, exclude: exclude, matched: family.matched.count) }
        return selected
    }

    /// ``include`` and ``exclude`` as a ``TensorSelection``.
    public var tensorSelection: TensorSelection {
        get throws { try TensorSelection(include: include, exclude: exclude) }
    }

    /// The one path of every family run: each selected tensor (of ``shard``'s part, when set) becomes a
    /// ``LayerRecord`` — reused from ``store`` when stored for the same inputs and options (and holding the
    /// per-method sums when ``ComputeSettings/methodResiduals`` asks for them), computed (and stored at
    /// once) otherwise — and the report is assembled from the records
    /// (``FamilyReport/init(assembling:records:thresholds:)``) with `options.thresholds`. A shard run has
    /// no report: its records are half of one.
    public func run(_ family: ModelFamily, progress: (@Sendable (Progress) -> Void)? = nil) throws -> FamilyRun {
        let wall = Stopwatch()
        let selected = try selection(of: family)
        let manifest = try StoreManifest(family: family, options: options, compute: compute, include: include, exclude: exclude, tensors: selected.map(\.name))
        let store = try self.store.map { try ResultsStore.create(at: $0, for: manifest) }
        var mine = Array(selected.indices)
        if let shard {
            let costs = selected.map { ShardPlan.cost(shape: $0.shape, isLinearWeight: $0.isLinearWeight, models: family.taskNames.count) }
            let assignment = ShardPlan.assignment(costs: costs, count: shard.count)
            mine = mine.filter { assignment[$0] == shard.index }
        }
        var resume = FamilyRun.Resume(assigned: mine.count)
        var records = [Int: LayerRecord](), inputs = [Int: [TensorIdentity]]()
        if let store {
            for index in mine {
                let identity = try family.inputIdentities(of: selected[index].name)
                inputs[index] = identity
                switch store.lookup(selected[index].name) {
                case let .found(record) where record.inputs == identity && record.isComputed(with: manifest.options)
                    && (!compute.methodResiduals || record.hasMethodResiduals):
                    records[index] = record
                    resume.reused += 1
                case .found: resume.recomputed += 1
                case .corrupt: resume.unreadable += 1
                case .missing: break
                }
            }
        }
        let todo = mine.filter { records[$0] == nil }
        let dense = family.modelKinds.filter { $0 == .full }.count, lora = family.modelKinds.count - dense
        let costs = todo.map { index -> Int in
            let tensor = selected[index]
            return tensor.shape.count == 2 && tensor.isLinearWeight
                ? MemoryAccounting.layerBytes(rows: tensor.shape[0], columns: tensor.shape[1], denseUpdates: dense, loraUpdates: lora)
                : MemoryAccounting.tensorBytes(elements: tensor.shape.reduce(1, *), models: family.taskNames.count)
        }
        let largest = costs.indices.max { costs[$0] < costs[$1] }
        if let limit = execution.maxMemoryBytes, let largest, costs[largest] > limit {
            throw ExecutionError.layerExceedsMemoryLimit(layer: selected[todo[largest]].name, neededBytes: costs[largest], limitBytes: limit)
        }
        MemoryAccounting.returnLargeAllocationsToTheSystem()
        let jobs = Swift.min(execution.jobs, Swift.max(1, todo.count))
        let previousThreads = BLASThreads.current
        // From the whole selection, not this process's part: every shard and resumed run then factors with
        // the thread count a single run uses.
        let blasThreads = execution.blasThreads ?? ExecutionSettings.defaultBLASThreads(layers: selected.count, available: previousThreads)
        if blasThreads != previousThreads { BLASThreads.set(blasThreads) }
        defer { if blasThreads != previousThreads { BLASThreads.set(previousThreads) } }

        // Lanes with no layer left to start help the layers still in flight with their per-task parts.
        let sharing = jobs > 1 ? TaskSharing() : nil
        let analyzer = LayerAnalyzer(options: options, compute: compute, sharing: sharing)
        let options = self.options
        let total = todo.count, identities = inputs
        let scheduler = BudgetedScheduler<(LayerRecord, LayerTimings?)>(costs: costs, budget: execution.maxMemoryBytes, sharing: sharing)
        let computed = try scheduler.run(
            jobs: jobs,
            started: { position, done in progress?(Progress(done: done, total: total, current: selected[todo[position]].name)) },
            work: { position in
                let index = todo[position]
                let (result, timings) = try Self.analyzeTensor(selected[index], family: family, analyzer: analyzer, options: options)
                let record = LayerRecord(tensor: selected[index].name, inputs: identities[index] ?? [], result: result)
                try store?.write(record)
                return (record, timings)
            })
        progress?(Progress(done: total, total: total, current: ""))
        for (position, outcome) in computed.enumerated() { records[todo[position]] = outcome.0 }
        resume.computed = todo.count

        // Assembled at the process's own thread count, as `report --store` assembles it: the small solves
        // behind w* then round alike in both.
        if blasThreads != previousThreads { BLASThreads.set(previousThreads) }
        defer { if blasThreads != previousThreads { BLASThreads.set(blasThreads) } }
        let report = shard == nil ? FamilyReport(assembling: manifest, records: selected.indices.compactMap { records[$0] }, thresholds: options.thresholds) : nil
        let performance = PerformanceReport(
            jobs: jobs, blasThreads: blasThreads, maxMemoryBytes: execution.maxMemoryBytes,
            largestLayerEstimateBytes: largest.map { costs[$0] } ?? 0, largestLayer: largest.map { selected[todo[$0]].name } ?? "",
            peakResidentBytes: MemoryAccounting.peakResidentBytes(), wallSeconds: wall.seconds, layers: computed.compactMap(\.1))
        return FamilyRun(report: report, performance: performance, resume: resume)
    }

    /// One tensor, as the sequential loop always did it; timings for a 2-D layer.
    private static func analyzeTensor(_ tensor: MatchedTensor, family: ModelFamily, analyzer: LayerAnalyzer, options: AnalysisOptions) throws -> (LayerRecord.Result, LayerTimings?) {
        do {
            switch tensor.shape.count {
            case 2 where tensor.isLinearWeight:
                let clock = Stopwatch()
                guard let base = try family.baseMatrix(tensor.name) else {
                    return (.skipped(FamilyReport.Problem(tensor: tensor.name, reason: "the base tensor is not a matrix")), nil)
                }
                let (updates, rounding) = try family.updatesWithRounding(for: tensor.name)
                var timings = LayerTimings()
                timings.read = clock.seconds
                var layer = try analyzer.analyze(name: tensor.name, base: base, updates: updates, taskNames: family.taskNames, timings: &timings)
                layer.attachStorageRounding(rounding)
                if family.isStoredTransposed(tensor.name) { layer.transposed = true }
                timings.total = clock.seconds
                return (.layer(layer), timings)
            case 3, 4:
                let base = try family.baseTensor(tensor.name)
                let updates = try family.denseUpdates(for: tensor.name).map { $0.values }
                return (.tensor(try TensorModeAnalysis(name: tensor.name, shape: tensor.shape, base: base.values, updates: updates, taskNames: family.taskNames, rule: options.zoneRule)), nil)
            case 1:
                let base = try family.baseTensor(tensor.name)
                let fineTuned = try family.taskNames.indices.map { try family.fineTunedTensor(model: $0, tensor.name).values }
                let vector = VectorUpdate(name: tensor.name, base: base.values, fineTuned: fineTuned)
                if vector.norms.allSatisfy(\.isFinite) {
                    return (.vector(vector), nil)
                }
                return (.nonFinite(FamilyReport.Problem(tensor: tensor.name, reason: "NaN or Inf values")), nil)
            default:
                return (.skipped(FamilyReport.Problem(tensor: tensor.name, reason: "a \(tensor.shape.count)-D tensor that is not a linear weight (e.g. an embedding) is not analysed")), nil)
            }
        } catch let error as LinearAlgebraError {
            return (.nonFinite(FamilyReport.Problem(tensor: tensor.name, reason: error.description)), nil)
        }
    }
}

/// Errors of a family run that are not about a file.
public enum FamilyAnalyzerError: Error, CustomStringConvertible, Equatable {
    /// An `--include` / `--exclude` pattern is not a valid regular expression.
    case invalidPattern(String, String)
    /// `--include` / `--exclude` leave no tensor of the `matched` ones (or the family matches none).
    case emptySelection(include: String?, exclude: String?, matched: Int)

    public var description: String {
        switch self {
        case let .invalidPattern(pattern, message): return "invalid pattern \"\(pattern)\": \(message)"
        case let .emptySelection(include, exclude, matched):
            let patterns = [include.map { "--include '\($0)'" }, exclude.map { "--exclude '\($0)'" }].compactMap { $0 }
            return patterns.isEmpty
                ? "no tensor of the base is present in every model; nothing to analyse"
                : "nothing to analyse: none of the \(matched) tensors the models share with the base passes \(patterns.joined(separator: " and "))"
        }
    }
}
