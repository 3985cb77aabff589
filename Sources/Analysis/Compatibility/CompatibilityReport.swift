/// The overall answer of a compatibility check, as an exit status a script can gate on.
public enum CompatibilityStatus: String, Codable, Sendable {
    /// No warning and nothing incompatible (notes only): exit 0.
    case compatible
    /// At least one warning, nothing incompatible: exit 1.
    case warnings
    /// At least one incompatible finding: exit 2.
    case incompatible

    /// The status of a set of findings: from their worst severity.
    public init(_ findings: [CompatibilityFinding]) {
        switch findings.map(\.severity).max() {
        case .incompatible?: self = .incompatible
        case .warning?: self = .warnings
        default: self = .compatible
        }
    }

    /// 0, 1 or 2.
    public var exitCode: Int32 {
        switch self {
        case .compatible: return 0
        case .warnings: return 1
        case .incompatible: return 2
        }
    }
}

/// One model checked against the base.
public struct ModelCompatibility: Codable, Sendable, Equatable {
    /// The task name.
    public var name: String
    /// Where it is (a path, or the Hub cache snapshot a repo id resolved to).
    public var path: String
    /// `full` or `lora`.
    public var kind: String
    /// The worst of its findings.
    public var status: CompatibilityStatus
    /// The tokenizer comparison, when both the base and the model have tokenizer files.
    public var tokenizer: TokenizerComparison?
    /// Every finding, most severe first (then in the order checked).
    public var findings: [CompatibilityFinding]
}

/// The result of ``CompatibilityCheck``: every model against the base, from configs, tokenizer files and
/// tensor headers only.
public struct CompatibilityReport: Codable, Sendable, Equatable {
    /// Findings per severity over all models.
    public struct Counts: Codable, Sendable, Equatable {
        public var incompatible: Int
        public var warning: Int
        public var note: Int
    }

    /// The base's path.
    public var base: String
    /// The worst status over the models.
    public var status: CompatibilityStatus
    /// Findings per severity.
    public var counts: Counts
    /// Facts about the base itself (no config.json, no tokenizer files).
    public var notes: [String]
    /// One entry per model, in the order given.
    public var models: [ModelCompatibility]

    /// Assembles the report; status and counts are derived from the models' findings.
    public init(base: String, notes: [String], models: [ModelCompatibility]) {
        let all = models.flatMap(\.findings)
        self.base = base
        self.notes = notes
        self.models = models
        self.status = CompatibilityStatus(all)
        self.counts = Counts(
            incompatible: all.filter { $0.severity == .incompatible }.count, warning: all.filter { $0.severity == .warning }.count,
            note: all.filter { $0.severity == .note }.count)
    }

    /// Every finding of `severity`, with its model's name, in model order.
    public func findings(_ severity: CompatibilitySeverity) -> [(model: String, finding: CompatibilityFinding)] {
        models.flatMap { model in model.findings.filter { $0.severity == severity }.map { (model.name, $0) } }
    }
}
