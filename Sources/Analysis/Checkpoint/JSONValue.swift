/// A parsed JSON value, as produced by ``StrictJSONParser``.
///
/// Objects keep their members in document order (PEFT's `rank_pattern` is matched in that order) and
/// numbers keep their source text, so integers beyond 2⁵³ are neither rounded nor silently accepted.
enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The number's text exactly as written, e.g. `-12`, `3.5e2`.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in document order; keys are unique (the parser rejects duplicates).
    case object([JSONMember])

    /// The value of member `key` when this is an object that has it.
    subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The number as an `Int` when it is written as an integer (no fraction, no exponent) and fits.
    var integer: Int? {
        guard case let .number(text) = self, !text.contains(where: { ".eE".contains($0) }) else { return nil }
        return Int(text)
    }

    /// The number as a `Double`, whatever its spelling.
    var double: Double? {
        guard case let .number(text) = self else { return nil }
        return Double(text)
    }

    /// The string, when this is one.
    var string: String? {
        guard case let .string(text) = self else { return nil }
        return text
    }

    /// The boolean, when this is one.
    var bool: Bool? {
        guard case let .bool(flag) = self else { return nil }
        return flag
    }

    /// The members, when this is an object.
    var members: [JSONMember]? {
        guard case let .object(members) = self else { return nil }
        return members
    }

    /// The elements, when this is an array.
    var elements: [JSONValue]? {
        guard case let .array(elements) = self else { return nil }
        return elements
    }

    /// A short rendering for error messages: the text of scalars, `[…]`/`{…}` for containers.
    var summary: String {
        switch self {
        case .null: return "null"
        case let .bool(flag): return String(flag)
        case let .number(text): return text
        case let .string(text): return CheckpointError.quoted(text)
        case .array: return "[…]"
        case .object: return "{…}"
        }
    }
}

/// One `"key": value` member of a JSON object.
struct JSONMember: Equatable, Sendable {
    let key: String
    let value: JSONValue
}
