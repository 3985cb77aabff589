/// Writing a ``JSONValue`` back as JSON text.
extension JSONValue {
    /// Pretty JSON text (two-space indentation, `"key": value`), objects in member order and numbers as
    /// their source text, so a config read and rewritten keeps `30.0` a float (Python's strict config
    /// classes reject `30` where a float is declared) and large integers exact.
    func text(indentation: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indentation + 1), close = String(repeating: "  ", count: indentation)
        switch self {
        case .null: return "null"
        case let .bool(flag): return flag ? "true" : "false"
        case let .number(text): return text
        case let .string(text): return SafetensorsWriter.jsonString(text)
        case let .array(elements):
            if elements.isEmpty { return "[]" }
            return "[\n" + elements.map { pad + $0.text(indentation: indentation + 1) }.joined(separator: ",\n") + "\n\(close)]"
        case let .object(members):
            if members.isEmpty { return "{}" }
            return "{\n" + members.map { pad + SafetensorsWriter.jsonString($0.key) + ": " + $0.value.text(indentation: indentation + 1) }.joined(separator: ",\n") + "\n\(close)}"
        }
    }

    /// This object with member `key` set to `value` (replaced in place, else appended) or removed (nil).
    func setting(_ key: String, _ value: JSONValue?) -> JSONValue {
        guard case var .object(members) = self else { return self }
        if let index = members.firstIndex(where: { $0.key == key }) {
            if let value { members[index] = JSONMember(key: key, value: value) } else { members.remove(at: index) }
        } else if let value {
            members.append(JSONMember(key: key, value: value))
        }
        return .object(members)
    }
}
