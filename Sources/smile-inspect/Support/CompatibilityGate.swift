import Analysis
import ArgumentParser
import Foundation

/// The compatibility check `model`, `mergeable` and `upscale` (and their `--mergekit` runs) make before
/// any weight is read — the same ``CompatibilityCheck`` as `smile-inspect check`.
enum CompatibilityGate {
    /// Checks `family`, its tensors judged for `selection` (the command's `--include/--exclude`: a tensor
    /// missing or reshaped outside it is a note). On an incompatible finding, prints its line (`error: file: incompatible: …`, with
    /// how many more there are) and throws exit status 3; prints each warning on standard error as
    /// `warning: model: file: warning: …`; returns the report for the command's output.
    static func check(_ family: FamilyArguments, selection: TensorSelection) throws -> CompatibilityReport {
        try family.requireFamily()
        let report = try CompatibilityCheck.run(base: family.base!, models: family.models, names: family.names.isEmpty ? nil : family.names, selection: selection)
        let incompatible = report.findings(.incompatible)
        if let first = incompatible.first {
            let more = incompatible.count > 1 ? " (and \(incompatible.count - 1) more incompatible finding(s); see smile-inspect check)" : ""
            FileHandle.standardError.write(Data("error: \(first.model): \(first.finding.line)\(more)\n".utf8))
            throw ExitCode.inputError
        }
        for (model, finding) in report.findings(.warning) {
            FileHandle.standardError.write(Data("warning: \(model): \(finding.line)\n".utf8))
        }
        return report
    }
}

extension FamilyReport {
    /// Records the check in the report: the `compatibility` field and, for the text report, each warning
    /// as a note.
    mutating func attach(_ compatibility: CompatibilityReport) {
        self.compatibility = compatibility
        notes += compatibility.findings(.warning).map { "compatibility warning: \($0.model): \($0.finding.line)" }
    }
}

/// A command's JSON body with the compatibility check it ran first: the body's own keys plus
/// `compatibility` (absent when no check ran, e.g. a report from a results store alone).
struct CheckedDocument<Body: Encodable>: Encodable {
    var body: Body
    var compatibility: CompatibilityReport?

    private enum Key: String, CodingKey { case compatibility }

    func encode(to encoder: Encoder) throws {
        try body.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(compatibility, forKey: .compatibility)
    }
}
