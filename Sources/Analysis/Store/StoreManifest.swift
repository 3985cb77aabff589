import Foundation

/// What a ``ResultsStore`` was computed from: `manifest.json` at the store's root, written once (by the
/// first process to get there) and compared by every later run.
///
/// Two runs may share a store exactly when their manifests agree on everything but ``toolVersion``'s
/// role in reading (see ``ResultsStore``): format version, inputs, every option that changes a number,
/// and the selection. Verdict thresholds are not part of it: verdicts are judged when a report is built.
public struct StoreManifest: Codable, Sendable, Equatable {
    /// One fine-tuned model.
    public struct ModelInput: Codable, Sendable, Equatable {
        /// The path as given.
        public var path: String
        /// Its task name.
        public var task: String
        /// `full` or `lora`.
        public var kind: String
        /// For a LoRA adapter, the ``ContentFingerprint`` of its `adapter_config.json` (alpha and rank set the
        /// update's scale); nil for a full checkpoint, whose tensors' identities are in each record.
        public var adapterConfigFingerprint: String?
    }

    /// The store format this build writes and reads.
    public static let currentFormatVersion = 1
    /// The analysis version of this build: raised whenever a stored number would change.
    public static let currentToolVersion = "smile-inspect 0.3.1"

    /// The store format version (``currentFormatVersion`` when written by this build).
    public var formatVersion: Int
    /// The smile-inspect version that wrote the store.
    public var toolVersion: String
    /// The base checkpoint's path, as given.
    public var base: String
    /// The fine-tuned models, in task order.
    public var models: [ModelInput]
    /// Task names, in order.
    public var taskNames: [String]
    /// The analysis options, with ``AnalysisOptions/thresholds`` at their defaults: thresholds are judging
    /// options and not part of what was computed.
    public var options: AnalysisOptions
    /// How layers were computed (``ComputeSettings``, described): a different setting changes numbers in
    /// their last digits, so it is part of the identity.
    public var compute: String
    /// `--include` / `--exclude` of the run.
    public var include: String?
    public var exclude: String?
    /// Every selected tensor in checkpoint order: the store is complete when each has a record.
    public var tensors: [String]
    /// Tensors left out because a model lacks them (the family's own skips; records hold the rest).
    public var skipped: [FamilyReport.Problem]
    /// How names were matched and what was ignored (``ModelFamily/notes``).
    public var notes: [String]

    /// The manifest of a run over `family` selecting `tensors`.
    public init(family: ModelFamily, options: AnalysisOptions, compute: ComputeSettings, include: String?, exclude: String?, tensors: [String]) throws {
        formatVersion = Self.currentFormatVersion
        toolVersion = Self.currentToolVersion
        base = family.basePath.path
        models = try zip(family.modelPaths, zip(family.taskNames, family.modelKinds)).map { url, named in
            let config = url.appendingPathComponent("adapter_config.json")
            var fingerprint: String?
            if named.1 == .lora {
                let bytes = try ReadOnlyFile.contents(of: config.relativePath, limit: JSONFile.maximumSize)
                fingerprint = ContentFingerprint.fingerprint(byteCount: bytes.count, blocks: [bytes])
            }
            return ModelInput(path: url.path, task: named.0, kind: named.1.rawValue, adapterConfigFingerprint: fingerprint)
        }
        taskNames = family.taskNames
        self.options = options.computing
        self.compute = String(describing: compute.identity)
        self.include = include
        self.exclude = exclude
        self.tensors = tensors
        skipped = family.skipped.map { FamilyReport.Problem(tensor: $0.tensor, reason: "\($0.model): \($0.reason)") }
        notes = family.notes
    }

    /// The first way `other` (a run's manifest) differs from this one (a store's), in words naming both
    /// values; nil when a run with `other` may use this store. `selection: false` ignores the include /
    /// exclude patterns and the tensor list (for `layer`, which reads or adds single records).
    public func difference(from other: StoreManifest, selection: Bool = true) -> String? {
        if formatVersion != other.formatVersion {
            return "the store has format version \(formatVersion), this smile-inspect writes \(other.formatVersion)"
        }
        if toolVersion != other.toolVersion { return "the store was written by \(toolVersion), this is \(other.toolVersion)" }
        if base != other.base { return "base: the store has \(base), this run \(other.base)" }
        if taskNames != other.taskNames {
            return "task names: the store has \(taskNames.joined(separator: ", ")), this run \(other.taskNames.joined(separator: ", "))"
        }
        for (stored, given) in zip(models, other.models) where stored != given {
            return "model \(stored.task): the store has \(stored.path) (\(stored.kind)), this run \(given.path) (\(given.kind))"
                + (stored.path == given.path && stored.kind == given.kind ? ", whose adapter_config.json changed" : "")
        }
        if let option = Self.differingOption(options, other.options) { return option }
        if compute != other.compute { return "compute settings: the store has \(compute), this run \(other.compute)" }
        guard selection else { return nil }
        if include != other.include { return "--include: the store has \(include ?? "none"), this run \(other.include ?? "none")" }
        if exclude != other.exclude { return "--exclude: the store has \(exclude ?? "none"), this run \(other.exclude ?? "none")" }
        if tensors != other.tensors {
            let first = zip(tensors, other.tensors).first { $0 != $1 }
            return "selected tensors: the store lists \(tensors.count), this run \(other.tensors.count)"
                + (first.map { " (first difference: \($0.0) vs \($0.1))" } ?? "")
        }
        if skipped != other.skipped || notes != other.notes { return "how the models' tensors match the base's (skipped tensors or notes) changed" }
        return nil
    }

    /// "option X: the store has A, this run B" for the first analysis option that differs.
    private static func differingOption(_ stored: AnalysisOptions, _ given: AnalysisOptions) -> String? {
        guard stored != given else { return nil }
        for (left, right) in zip(Mirror(reflecting: stored).children, Mirror(reflecting: given).children) {
            let (a, b) = (describe(left.value), describe(right.value))
            if a != b { return "option \(left.label ?? "?"): the store has \(a), this run \(b)" }
        }
        return "analysis options differ"
    }

    /// A value as a person reads it: optionals unwrapped, nil as "none".
    private static func describe(_ value: Any) -> String {
        let text = String(describing: value)
        if text == "nil" { return "none" }
        if text.hasPrefix("Optional("), text.hasSuffix(")") { return String(text.dropFirst(9).dropLast()) }
        return text
    }
}
