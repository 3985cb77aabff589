import Analysis

/// The verdict in words: the level, the merge it speaks for, and every signal with its numbers.
enum VerdictReport {
    static func document(_ verdict: MergeVerdict, title: String) -> ReportDocument {
        var doc = ReportDocument()
        doc.paragraph("\(title): \(label(verdict.level)) — for \(verdict.merge)\(verdict.lambdaStar.map { String(format: " (λ* = %.2f)", $0) } ?? "").")
        doc.bullets(verdict.signals.map { "[\(label($0.level))] \($0.reason)" })
        return doc
    }

    /// One CSV row per signal of the verdict, then one per pair's own merge (value: its worst residual).
    static func csvTable(_ verdict: MergeVerdict, pairs: [FamilySummary.PairMerge]) -> ReportTable {
        let signals = verdict.signals.map { [verdict.merge, $0.name, $0.level.rawValue, "\($0.value)", $0.subject, $0.reason] }
        let pairRows = pairs.map { pair in
            ["task arithmetic of \(pair.tasks.joined(separator: " + "))", "pair", pair.level.rawValue, "\(pair.worstResidual)", pair.tasks.joined(separator: " + "),
             "λ* = \(pair.lambdaStar.map { "\($0)" } ?? "none"), worst residual \(pair.worstResidual), cosine \(pair.cosine)"]
        }
        var table = ReportTable(headers: ["merge", "signal", "level", "value", "subject", "reason"], rows: signals + pairRows)
        table.alignments = table.headers.map { _ in .left }
        return table
    }

    static func label(_ level: Mergeability) -> String {
        switch level {
        case .mergeable: return "MERGEABLE"
        case .risky: return "RISKY"
        case .notMergeable: return "NOT MERGEABLE"
        }
    }
}
