import Analysis

/// The text, markdown and CSV renderings of a ``CompatibilityReport``.
enum CompatibilityDocument {
    /// A summary table (one row per model), then each model's findings, most severe first.
    static func document(_ report: CompatibilityReport) -> ReportDocument {
        var doc = ReportDocument()
        doc.heading("Compatibility with \(report.base)")
        let counts = report.counts
        doc.paragraph("\(headline(report.status)): \(counts.incompatible) incompatible, \(counts.warning) warning(s), \(counts.note) note(s), from configs, tokenizer files and tensor headers (no weight read).")
        doc.bullets(report.notes)
        var table = ReportTable(headers: ["model", "kind", "status", "incompatible", "warnings", "notes", "tokenizer"], rows: report.models.map { model in
            let count = { (severity: CompatibilitySeverity) in String(model.findings.filter { $0.severity == severity }.count) }
            return [model.name, model.kind, model.status.rawValue, count(.incompatible), count(.warning), count(.note), tokenizerSummary(model.tokenizer)]
        })
        table.alignments = [.left, .left, .left, .right, .right, .right, .left]
        doc.table(table)
        for model in report.models where !model.findings.isEmpty {
            doc.paragraph("\(model.name) (\(model.path)):")
            doc.bullets(model.findings.map(\.line))
        }
        return doc
    }

    /// The warnings a merge report carries, as a section; empty when there are none.
    static func warnings(_ report: CompatibilityReport?) -> ReportDocument {
        var doc = ReportDocument()
        guard let report else { return doc }
        let warnings = report.findings(.warning)
        guard !warnings.isEmpty else { return doc }
        doc.paragraph("Compatibility warnings (smile-inspect check):")
        doc.bullets(warnings.map { "\($0.model): \($0.finding.line)" })
        return doc
    }

    /// One CSV row per finding.
    static func csvTable(_ report: CompatibilityReport) -> ReportTable {
        let rows = report.models.flatMap { model in
            model.findings.map { [model.name, $0.severity.rawValue, $0.aspect.rawValue, $0.key, $0.base ?? "", $0.model ?? "", $0.file, $0.message] }
        }
        var table = ReportTable(headers: ["model", "severity", "aspect", "key", "base_value", "model_value", "file", "message"], rows: rows)
        table.alignments = table.headers.map { _ in .left }
        return table
    }

    private static func headline(_ status: CompatibilityStatus) -> String {
        switch status {
        case .compatible: return "Compatible"
        case .warnings: return "Mergeable with warnings"
        case .incompatible: return "Incompatible"
        }
    }

    private static func tokenizerSummary(_ tokenizer: TokenizerComparison?) -> String {
        guard let tokenizer else { return "—" }
        switch tokenizer.relation {
        case .identical: return "identical"
        case .superset: return "superset (+\(tokenizer.modelSize - tokenizer.baseSize))"
        case .different: return "different (\(Format.percent(tokenizer.sharedShare, digits: 1)) same ids)"
        }
    }
}
