import Analysis

/// The verdict in words: the level, the merge it speaks for, and every signal with its numbers.
enum VerdictReport {
    static func document(_ verdict: MergeVerdict, title: String) -> ReportDocument {
        var doc = ReportDocument()
        doc.paragraph("\(title): \(label(verdict.level)) — for \(verdict.merge)\(verdict.lambdaStar.map { String(format: " (λ* = %.2f)", $0) } ?? "").")
        doc.bullets(verdict.signals.map { "[\(label($0.level))] \($0.reason)" })
        return doc
    }

    static func label(_ level: Mergeability) -> String {
        switch level {
        case .mergeable: return "MERGEABLE"
        case .risky: return "RISKY"
        case .notMergeable: return "NOT MERGEABLE"
        }
    }
}
