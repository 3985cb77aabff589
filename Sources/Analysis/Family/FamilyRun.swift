/// What one ``FamilyAnalyzer/run(_:progress:)`` did: the report (nil for a shard, whose records are part
/// of one), its cost, and how much of the work a store already held.
public struct FamilyRun: Sendable {
    /// How the run's part of the selection was obtained.
    public struct Resume: Sendable, Equatable {
        /// Tensors this process was responsible for (the whole selection, or its shard's part).
        public var assigned: Int
        /// Reused from the store: same inputs and options.
        public var reused = 0
        /// Stored, but computed from other inputs or options: recomputed.
        public var recomputed = 0
        /// Stored files that could not be read back (truncated, corrupt): recomputed.
        public var unreadable = 0
        /// Analysed by this run (including the recomputed and unreadable ones).
        public var computed = 0

        public init(assigned: Int) { self.assigned = assigned }

        /// E.g. "store: 12 of 36 tensors reused, 24 computed (3 recomputed: stored from other inputs or options)".
        public var summaryLine: String {
            var line = "store: \(reused) of \(assigned) tensors reused, \(computed) computed"
            var notes = [String]()
            if recomputed > 0 { notes.append("\(recomputed) recomputed: stored from other inputs or options") }
            if unreadable > 0 { notes.append("\(unreadable) recomputed: stored file unreadable") }
            if !notes.isEmpty { line += " (" + notes.joined(separator: "; ") + ")" }
            return line
        }
    }

    /// The family report, built from every selected tensor's record; nil for a shard run.
    public var report: FamilyReport?
    /// What the computed part cost.
    public var performance: PerformanceReport
    /// Reuse and recomputation counts.
    public var resume: Resume
}
