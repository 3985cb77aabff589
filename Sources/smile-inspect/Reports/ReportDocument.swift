/// A report as a sequence of blocks, rendered as plain text for terminals or as markdown.
struct ReportDocument {
    enum Block {
        case heading(String)
        case paragraph(String)
        case bullets([String])
        case table(ReportTable)
    }

    var blocks: [Block] = []

    mutating func heading(_ text: String) { blocks.append(.heading(text)) }
    mutating func paragraph(_ text: String) { blocks.append(.paragraph(text)) }
    mutating func bullets(_ items: [String]) { if !items.isEmpty { blocks.append(.bullets(items)) } }
    mutating func table(_ table: ReportTable) { blocks.append(.table(table)) }
    mutating func append(_ other: ReportDocument) { blocks += other.blocks }

    /// Plain text: headings underlined, tables aligned.
    var text: String {
        blocks.map { block in
            switch block {
            case let .heading(h): return h + "\n" + String(repeating: "═", count: h.count)
            case let .paragraph(p): return p
            case let .bullets(items): return items.map { "  • " + $0 }.joined(separator: "\n")
            case let .table(t): return t.text
            }
        }.joined(separator: "\n\n") + "\n"
    }

    /// Markdown: headings as `##`, tables as GitHub tables.
    var markdown: String {
        blocks.map { block in
            switch block {
            case let .heading(h): return "## " + h
            case let .paragraph(p): return p
            case let .bullets(items): return items.map { "- " + $0 }.joined(separator: "\n")
            case let .table(t): return t.markdown
            }
        }.joined(separator: "\n\n") + "\n"
    }
}
