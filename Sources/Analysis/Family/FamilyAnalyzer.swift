/// Streams a ``ModelFamily`` one tensor at a time through the per-layer analyses and combines them into a
/// ``FamilyReport``. Only one tensor of every model is in memory at once.
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

    public init(options: AnalysisOptions = AnalysisOptions(), include: String? = nil, exclude: String? = nil) {
        self.options = options
        self.include = include
        self.exclude = exclude
    }

    /// Analyses every matched tensor of `family`.
    /// - Throws: ``CheckpointError`` when a tensor cannot be read, ``FamilyAnalyzerError`` for a bad pattern.
    public func analyze(_ family: ModelFamily, progress: (@Sendable (Progress) -> Void)? = nil) throws -> FamilyReport {
        let includeRegex = try include.map { try FamilyAnalyzerError.compile($0) }
        let excludeRegex = try exclude.map { try FamilyAnalyzerError.compile($0) }
        var skipped = family.skipped.map { FamilyReport.Problem(tensor: $0.tensor, reason: "\($0.model): \($0.reason)") }
        let selected = family.matched.filter { tensor in
            let name = tensor.name
            if let includeRegex, name.firstMatch(of: includeRegex) == nil { return false }
            if let excludeRegex, name.firstMatch(of: excludeRegex) != nil { return false }
            return true
        }
        var layers = [LayerAnalysis](), tensors = [TensorModeAnalysis](), vectors = [VectorUpdate](), nonFinite = [FamilyReport.Problem]()
        let analyzer = LayerAnalyzer(options: options)
        for (index, tensor) in selected.enumerated() {
            progress?(Progress(done: index, total: selected.count, current: tensor.name))
            do {
                switch tensor.shape.count {
                case 2 where tensor.isLinearWeight:
                    guard let base = try family.baseTensor(tensor.name).matrix else { continue }
                    layers.append(try analyzer.analyze(name: tensor.name, base: base, updates: try family.updates(for: tensor.name), taskNames: family.taskNames))
                case 3, 4:
                    let base = try family.baseTensor(tensor.name)
                    let updates = try family.denseUpdates(for: tensor.name).map { $0.values }
                    tensors.append(try TensorModeAnalysis(name: tensor.name, shape: tensor.shape, base: base.values, updates: updates, taskNames: family.taskNames, rule: options.zoneRule))
                case 1:
                    let base = try family.baseTensor(tensor.name)
                    let fineTuned = try family.taskNames.indices.map { try family.fineTunedTensor(model: $0, tensor.name).values }
                    let vector = VectorUpdate(name: tensor.name, base: base.values, fineTuned: fineTuned)
                    if vector.norms.allSatisfy(\.isFinite) {
                        vectors.append(vector)
                    } else {
                        nonFinite.append(FamilyReport.Problem(tensor: tensor.name, reason: "NaN or Inf values"))
                    }
                default:
                    skipped.append(FamilyReport.Problem(tensor: tensor.name, reason: "a \(tensor.shape.count)-D tensor that is not a linear weight (e.g. an embedding) is not analysed"))
                }
            } catch let error as LinearAlgebraError {
                nonFinite.append(FamilyReport.Problem(tensor: tensor.name, reason: error.description))
            }
        }
        progress?(Progress(done: selected.count, total: selected.count, current: ""))
        var summary = FamilySummary(layers: layers, taskNames: family.taskNames, options: options)
        if !nonFinite.isEmpty {
            summary.flagUnusable(nonFinite.map(\.tensor))
        }
        return FamilyReport(
            base: family.basePath.path, models: family.modelPaths.map(\.path), taskNames: family.taskNames, options: options,
            layers: layers, tensors: tensors, vectors: vectors, skipped: skipped, nonFinite: nonFinite,
            notes: family.notes, summary: summary)
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
