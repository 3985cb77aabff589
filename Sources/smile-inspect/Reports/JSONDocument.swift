import Analysis

/// Every JSON document smile-inspect writes: the body's own keys plus `schemaVersion` and `command`, so
/// a reader can tell which contract (docs/json.md) a file follows and which command wrote it. Readers of
/// the body type decode it unchanged (the two extra keys are ignored).
struct JSONDocument<Body: Encodable>: Encodable {
    /// The version of the contract documented in docs/json.md; raised when a field changes meaning or
    /// disappears (adding a field does not raise it).
    static var schemaVersion: Int { 1 }

    var command: String
    var body: Body

    private enum Key: String, CodingKey { case schemaVersion, command }

    func encode(to encoder: Encoder) throws {
        try body.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(Self.schemaVersion, forKey: .schemaVersion)
        try container.encode(command, forKey: .command)
    }
}

/// A family report with the model-level task totals (`taskTotals`, see ``TaskTotals``) and, when
/// measured, the run's `performance`: the FamilyReport's own keys plus these, so readers of the
/// FamilyReport contract decode it unchanged.
struct FamilyReportDocument: Encodable {
    var report: FamilyReport
    var performance: PerformanceReport?
    /// The judged mergekit config (`model --mergekit`).
    var mergekit: MergekitJudgement? = nil

    private enum Key: String, CodingKey { case taskTotals, performance, mergekit }

    func encode(to encoder: Encoder) throws {
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(TaskTotals.of(report.layers, taskNames: report.taskNames), forKey: .taskTotals)
        try container.encodeIfPresent(performance, forKey: .performance)
        try container.encodeIfPresent(mergekit, forKey: .mergekit)
    }
}
