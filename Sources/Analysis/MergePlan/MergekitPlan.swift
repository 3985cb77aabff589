import Foundation

/// The merge plan written as mergekit configs, one per file (mergekit reads one configuration per file):
/// the whole set first, then each mergeable group of the plan that is not the whole set.
///
/// Files: `FILE` for the whole set, `STEM.group-N.EXT` for the plan's N-th group (N from 1, in the plan's
/// order), beside `FILE`. Each file starts with comment lines saying which models, at which weights, and
/// what the data-free estimates are, and the command that runs it (with mergekit's required
/// `--lora-merge-cache` when a model is a LoRA adapter, written `base+adapter`).
public struct MergekitPlan: Sendable, Equatable {
    /// Which coefficients to write.
    public enum Weighting: String, Sendable, CaseIterable {
        /// The uniform task-arithmetic scale λ* for every model.
        case lambdaStar = "lambda"
        /// The per-model weights w*.
        case perModel = "wstar"
    }

    /// One config and where it goes.
    public struct Entry: Sendable, Equatable {
        /// "" for the whole set, ".group-N" for a group.
        public var suffix: String
        /// The comment header (without `#`).
        public var comments: [String]
        public var config: MergekitConfig
    }

    public var entries: [Entry]

    /// Configs for a summary's whole set and groups.
    /// - Parameters:
    ///   - base, models: paths as the user gave them (relative local paths written `./path`, see
    ///     ``local(_:)``); `kinds` says which models are LoRA adapters.
    ///   - dtype: the inputs' dtype in mergekit's spelling.
    public init(summary: FamilySummary, base: String, models: [String], kinds: [ModelKind], dtype: String?, weighting: Weighting) {
        func reference(_ index: Int) -> String { kinds[index] == .lora ? "\(Self.local(base))+\(Self.local(models[index]))" : Self.local(models[index]) }
        func entry(_ suffix: String, _ tasks: [Int], lambda: Double?, weights: TaskWeights?, retention: RetentionEstimate) -> Entry? {
            guard let lambda else { return nil }
            let values = weighting == .perModel ? (weights?.weights ?? tasks.map { _ in lambda }) : tasks.map { _ in lambda }
            let residual = weighting == .perModel ? weights?.worstResidual : retention.worstResidual
            var comments = [
                "smile-inspect merge plan: task arithmetic of \(tasks.map { summary.taskNames[$0] }.joined(separator: " + "))",
                String(format: "at %@ (data-free estimates: λ* = %.4f, worst residual %.3f at these weights; expected share of accuracy kept %.2f ± %.2f)",
                       weighting == .perModel ? "per-model weights w*" : "the uniform λ*", lambda, residual ?? retention.worstResidual, retention.expected, retention.band),
            ]
            comments.append(tasks.contains { kinds[$0] == .lora }
                ? "run: mergekit-yaml THIS_FILE OUTPUT_DIR --lora-merge-cache CACHE_DIR (mergekit applies each adapter to the base there first)"
                : "run: mergekit-yaml THIS_FILE OUTPUT_DIR")
            comments += Self.recommendationComments(base: base, models: tasks.map { models[$0] }, kinds: tasks.map { kinds[$0] })
            return Entry(suffix: suffix, comments: comments,
                         config: MergekitConfig(taskArithmetic: Self.local(base), models: tasks.map(reference), weights: values, dtype: dtype))
        }
        var entries = [Entry]()
        let all = Array(summary.taskNames.indices)
        if let merge = summary.interference?.all {
            entries += [entry("", all, lambda: merge.lambdaStar, weights: summary.weights, retention: RetentionEstimate(worstResidual: merge.residuals.max() ?? 0))].compactMap { $0 }
        }
        for (n, group) in (summary.plan?.groups ?? []).enumerated() where group.indices != all {
            entries += [entry(".group-\(n + 1)", group.indices, lambda: group.lambdaStar, weights: group.weights, retention: group.retention)].compactMap { $0 }
        }
        self.entries = entries
    }

    /// Where the recommended method (``MergeRecommendation``) is not one mergekit has, the exact
    /// `smile-inspect merge` command that writes it; nothing when mergekit has it.
    static func recommendationComments(base: String, models: [String], kinds: [ModelKind]) -> [String] {
        let recommended = MergeRecommendation.recommended(kinds: kinds)
        guard recommended.method.mergekitName == nil else { return [] }
        return [
            "recommended instead: \(recommended.method.displayName), which mergekit does not have (\(recommended.reason)):",
            "  " + MergeCommandLine.merge(base: base, models: models, method: recommended.method, coefficient: recommended.coefficient),
        ]
    }

    /// One entry's file text: the comments, then the YAML. Written by hand for a fixed layout mergekit's
    /// PyYAML reads as intended: strings double-quoted (JSON escapes are YAML escapes), numbers in plain
    /// decimal (`1e+0` without a dot would be a string to YAML 1.1).
    public static func text(_ entry: Entry) -> String {
        let c = entry.config
        var lines = entry.comments.map { "# \($0)" }
        lines.append("merge_method: \(quoted(c.mergeMethod))")
        if let base = c.baseModel { lines.append("base_model: \(quoted(base))") }
        if let dtype = c.dtype { lines.append("dtype: \(quoted(dtype))") }
        if let normalize = c.parameters?.normalize { lines += ["parameters:", "  normalize: \(normalize)"] }
        lines.append("models:")
        for model in c.models {
            lines.append("  - model: \(quoted(model.model))")
            let parameters = [("weight", model.parameters?.weight), ("density", model.parameters?.density)].compactMap { name, value in value.map { (name, $0) } }
            guard !parameters.isEmpty else { continue }
            lines.append("    parameters:")
            lines += parameters.map { "      \($0.0): \(String(format: "%.6f", $0.1))" }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `path` as given, with `./` before a relative local path that does not start with `.`: mergekit 0.1.5's
    /// model card (`card.py`, `is_hf`) asks the Hub whether an existing path with at most one `/` (`base/`,
    /// `runs/ft-a`) is a repo, and that call fails without network; `./runs/ft-a` is the same directory
    /// and is never looked up. Repo ids (no such local path) and absolute paths are left as they are.
    static func local(_ path: String) -> String {
        guard !path.hasPrefix("/"), !path.hasPrefix("."), !path.hasPrefix("~"), FileManager.default.fileExists(atPath: path) else { return path }
        return "./" + path
    }

    /// A YAML double-quoted scalar.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\x%02X", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    /// Where an entry goes for the user's FILE: FILE itself, or STEM + suffix + .EXT beside it.
    public static func url(for file: URL, suffix: String) -> URL {
        guard !suffix.isEmpty else { return file }
        let ext = file.pathExtension
        let stem = file.deletingPathExtension().lastPathComponent
        return file.deletingLastPathComponent().appendingPathComponent(stem + suffix + (ext.isEmpty ? "" : "." + ext))
    }

    /// Writes every entry atomically; returns the files written.
    public func write(to file: URL) throws -> [URL] {
        try entries.map { entry in
            let url = Self.url(for: file, suffix: entry.suffix)
            try AtomicFile.write(data: Data(Self.text(entry).utf8), to: url)
            return url
        }
    }
}
