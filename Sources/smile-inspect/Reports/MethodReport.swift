import Analysis

/// The per-method table of `mergeable --plan` in words and as CSV rows: every merging method's data-free
/// residual at its default coefficient and at c*, what the table cannot say, and the recommended merge with
/// the command that writes it.
enum MethodReport {
    static func document(_ table: MethodResidualTable) -> ReportDocument {
        var doc = ReportDocument()
        doc.paragraph("Merging methods (\(table.taskNames.joined(separator: " + ")); data-free residual L of θ_pre + c·M, mean over tasks):")
        doc.table(ReportTable(headers: ["method", "c (default)", "L(c)", "c*", "L(c*)", "expected kept"], rows: table.rows.map { row in
            [row.method.rawValue + " (" + row.method.displayName + ")", Format.number(row.coefficient), Format.fixed(row.residual),
             Format.optional(row.bestCoefficient), Format.optional(row.bestResidual),
             row.expectedKept.map { String(format: "%.2f ± %.2f at c*", $0.expected, $0.band) } ?? "—"]
        }))
        doc.bullets(table.notes)
        let r = table.recommendation
        doc.paragraph("Recommended: \(r.method.displayName) at \(Format.number(r.coefficient)) (L = \(Format.fixed(table.recommendedResidual))) — \(r.reason).")
        doc.paragraph("Write it: \(table.command)")
        return doc
    }

    /// The CSV columns the method rows add to the verdict's table, named as the JSON fields.
    static let csvHeaders = ["method", "coefficient", "residual", "best_coefficient", "best_residual", "command"]

    /// One row per method (`signal` = `method`) and one for the recommendation (`recommendation`), in the
    /// verdict table's columns (`headers` of ``VerdictReport/csvTable(_:pairs:plan:methods:)``) followed by
    /// ``csvHeaders``.
    static func csvRows(_ table: MethodResidualTable) -> [[String]] {
        func number(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
        let subject = table.taskNames.joined(separator: " + ")
        let rows = table.rows.map { row in
            ["\(row.method.displayName) of \(subject)", "method", "", "\(row.residual)", subject, table.notes.joined(separator: " "), "", number(row.expectedKept?.expected), "",
             row.method.rawValue, "\(row.coefficient)", "\(row.residual)", number(row.bestCoefficient), number(row.bestResidual), ""]
        }
        let r = table.recommendation
        return rows + [["\(r.method.displayName) of \(subject)", "recommendation", "", "\(table.recommendedResidual)", subject, r.reason, "", "", "",
                        r.method.rawValue, "\(r.coefficient)", "\(table.recommendedResidual)", "", "", table.command]]
    }
}
