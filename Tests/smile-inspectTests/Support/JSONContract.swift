import Foundation

/// The field tables of docs/json.md, read as a schema: which keys each documented object has and which
/// object a field's value is, so an encoded document can be checked key by key against the page.
struct JSONContract {
    /// One documented field.
    struct Field {
        var key: String
        /// The documented object its value (or each element of its arrays) is, if any.
        var object: String?
        /// A map with free keys (its keys are data, not fields).
        var isMap: Bool
        /// "or absent": the encoder may leave it out.
        var isOptional: Bool
    }

    /// Fields per object name, includes resolved.
    private(set) var objects: [String: [String: Field]] = [:]

    /// Reads every `### `Name`` section's table.
    init(markdown: String) {
        var raw: [String: [(cells: [String], include: String?)]] = [:]
        var current: String?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("### ") {
                current = Self.backticked(line).first
                if let current { raw[current] = raw[current] ?? [] }
                continue
            }
            if line.hasPrefix("## ") { current = nil }
            guard let current, line.hasPrefix("|"), !line.hasPrefix("|---") else { continue }
            let cells = Self.cells(line)
            guard cells.count >= 2, cells[0] != "field" else { continue }
            raw[current]!.append((cells, cells[0] == "(all fields of)" ? Self.backticked(cells[1]).first : nil))
        }
        func resolve(_ name: String, depth: Int = 0) -> [String: Field] {
            var fields = [String: Field]()
            for row in raw[name] ?? [] {
                if let include = row.include {
                    if depth < 8 { fields.merge(resolve(include, depth: depth + 1)) { a, _ in a } }
                    continue
                }
                guard let key = Self.backticked(row.cells[0]).first else { continue }
                let type = row.cells[1]
                fields[key] = Field(key: key, object: Self.backticked(type).first { raw[$0] != nil }, isMap: type.hasPrefix("map"), isOptional: type.contains("or absent"))
            }
            return fields
        }
        for name in raw.keys { objects[name] = resolve(name) }
    }

    /// Key paths of `value` (a decoded JSONSerialization tree) that `object` does not document, and the
    /// (object, key) pairs seen on the way.
    func check(_ value: Any, as object: String, path: String = "", seen: inout Set<String>) -> [String] {
        guard let fields = objects[object] else { return ["\(path.isEmpty ? "(root)" : path): object \(object) is not documented"] }
        guard let dictionary = value as? [String: Any] else { return [] }
        seen.insert(object)
        var undocumented = [String]()
        for (key, child) in dictionary.sorted(by: { $0.key < $1.key }) {
            let childPath = path.isEmpty ? key : path + "." + key
            guard let field = fields[key] else {
                undocumented.append("\(childPath) (in \(object))")
                continue
            }
            seen.insert("\(object).\(key)")
            guard !field.isMap, let inner = field.object else { continue }
            for (element, elementPath) in Self.elements(child, path: childPath) {
                undocumented += check(element, as: inner, path: elementPath, seen: &seen)
            }
        }
        return undocumented
    }

    /// Documented fields (not "or absent") of objects reachable from `roots` that no document wrote, among
    /// the objects some document held (an object met only in empty arrays cannot be checked).
    func neverWritten(from roots: [String], seen: Set<String>) -> [String] {
        var visited = Set<String>(), queue = roots, missing = [String]()
        while let name = queue.popLast() {
            guard visited.insert(name).inserted, seen.contains(name), let fields = objects[name] else { continue }
            for field in fields.values {
                if let inner = field.object { queue.append(inner) }
                if !field.isOptional, !seen.contains("\(name).\(field.key)") { missing.append("\(name).\(field.key)") }
            }
        }
        return missing.sorted()
    }

    /// Objects inside arrays (of arrays…), with `[]` appended to the path per level; nulls dropped.
    private static func elements(_ value: Any, path: String) -> [(Any, String)] {
        if let array = value as? [Any] { return array.flatMap { elements($0, path: path + "[]") } }
        return value is NSNull ? [] : [(value, path)]
    }

    private static func cells(_ line: String) -> [String] {
        var cells = [String](), cell = "", escaped = false
        for character in line.dropFirst() {
            if escaped { cell.append(character); escaped = false; continue }
            if character == "\\" { escaped = true; continue }
            if character == "|" { cells.append(cell.trimmingCharacters(in: .whitespaces)); cell = ""; continue }
            cell.append(character)
        }
        return cells
    }

    private static func backticked(_ text: String) -> [String] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }
}
