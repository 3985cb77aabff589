import Foundation

/// The tokenizer files of a model directory, read as data (no tokenizer is run).
///
/// Read, when present: `tokenizer.json` (the `tokenizers` library's file: `model.type` BPE, WordPiece,
/// WordLevel or Unigram, its `vocab` — an object token → id, or for Unigram an array of `[token, score]`
/// whose index is the id —, BPE `merges` as `"a b"` strings or `["a", "b"]` pairs, and `added_tokens`);
/// without it, the slow tokenizers' `vocab.json` + `merges.txt` (BPE) or `vocab.txt` (WordPiece, the id is
/// the line number); `added_tokens.json` (token → id); `tokenizer_config.json` (`added_tokens_decoder`,
/// special tokens, `chat_template` as a string or a list of `{name, template}`); `special_tokens_map.json`;
/// `chat_template.jinja` / `chat_template.json` (transformers ≥ 4.43 saves the template there); and, when
/// nothing else gives a vocabulary, a SentencePiece `tokenizer.model`, compared byte for byte.
///
/// Every file is strict JSON or UTF-8 text of at most ``JSONFile/maximumSize`` bytes. A file that cannot be
/// read, is malformed, or is of an unknown kind (a `model.type` not listed above, a vocab entry that is not
/// an id) throws ``CheckpointError/invalidTokenizer(file:reason:)`` naming it.
public struct TokenizerFiles: Sendable {
    /// The special-token roles compared, as transformers names them.
    static let specialRoles = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

    /// The directory read.
    public let directory: URL
    /// `BPE`, `WordPiece`, `WordLevel`, `Unigram`, or `SentencePiece` for a bare `tokenizer.model`.
    public let kind: String
    /// Every token (model vocabulary and added tokens) → its id.
    let vocabulary: [String: Int]
    /// The file the vocabulary came from (for messages).
    public let vocabularyFile: String
    /// BPE merges in order (`"a b"`), nil for other kinds.
    let merges: [String]?
    /// Added tokens: id → content (from `tokenizer.json`, `added_tokens.json`, `added_tokens_decoder`).
    let addedTokens: [Int: String]
    /// Special-token role → content, from `tokenizer_config.json` and `special_tokens_map.json`.
    let specialTokens: [String: String]
    /// The chat template(s) as written (several named ones joined in name order), and the file.
    let chatTemplate: (text: String, file: String)?
    /// The bytes of `tokenizer.model` when that is the only vocabulary.
    let sentencePiece: [UInt8]?

    /// Reads the tokenizer files in `directory`; nil when it has none of them.
    public static func read(in directory: URL) throws -> TokenizerFiles? {
        func url(_ name: String) -> URL? {
            let url = directory.appendingPathComponent(name)
            return FileManager.default.fileExists(atPath: url.path) ? url : nil
        }
        let names = ["tokenizer.json", "vocab.json", "vocab.txt", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"]
        guard names.contains(where: { url($0) != nil }) else { return nil }
        var vocabulary = [String: Int](), merges: [String]?, added = [Int: String](), kind = "", source = directory.appendingPathComponent("tokenizer.json").relativePath
        var sentencePiece: [UInt8]?
        if let file = url("tokenizer.json") {
            (kind, vocabulary, merges, added) = try fastTokenizer(file)
        } else if let file = url("vocab.json") {
            source = file.relativePath
            kind = "BPE"
            vocabulary = try idMap(json(file), file: file, what: "vocab")
            merges = try url("merges.txt").map { try mergesText($0) }
        } else if let file = url("vocab.txt") {
            source = file.relativePath
            kind = "WordPiece"
            for (id, token) in try text(file).split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !token.isEmpty || id == 0 {
                vocabulary[String(token.hasSuffix("\r") ? token.dropLast() : token)] = id
            }
        } else if let file = url("tokenizer.model") {
            source = file.relativePath
            kind = "SentencePiece"
            sentencePiece = try bytes(file)
        }
        if let file = url("added_tokens.json") {
            for (token, id) in try idMap(json(file), file: file, what: "added token") { added[id] = token }
        }
        var special = [String: String](), template: (String, String)?
        if let file = url("special_tokens_map.json") { special = try specialTokens(json(file), file: file) }
        if let file = url("tokenizer_config.json") {
            let config = try json(file)
            for member in config["added_tokens_decoder"]?.members ?? [] {
                guard let id = Int(member.key), let content = member.value["content"]?.string else {
                    throw CheckpointError.invalidTokenizer(file: file.relativePath, reason: "added_tokens_decoder entry \(CheckpointError.quoted(member.key)) is not an id with a \"content\" string")
                }
                added[id] = content
            }
            special.merge(try specialTokens(config, file: file)) { _, fromConfig in fromConfig }
            template = try chatTemplate(config["chat_template"], file: file)
        }
        if let file = url("chat_template.jinja") {
            template = (try text(file), file.relativePath)
        } else if let file = url("chat_template.json") {
            template = try chatTemplate(json(file)["chat_template"], file: file) ?? template
        }
        for (id, token) in added { vocabulary[token] = id }
        return TokenizerFiles(
            directory: directory, kind: kind, vocabulary: vocabulary, vocabularyFile: source, merges: merges, addedTokens: added,
            specialTokens: special, chatTemplate: template, sentencePiece: sentencePiece)
    }

    /// The special token of `role` with its id when the vocabulary has it, e.g. `</s> (2)`.
    func special(_ role: String) -> String? {
        specialTokens[role].map { token in vocabulary[token].map { "\(token) (\($0))" } ?? token }
    }

    /// Kind, vocabulary, merges and added tokens of a `tokenizer.json`.
    private static func fastTokenizer(_ file: URL) throws -> (String, [String: Int], [String]?, [Int: String]) {
        func invalid(_ reason: String) -> CheckpointError { .invalidTokenizer(file: file.relativePath, reason: reason) }
        let root = try json(file)
        guard let model = root["model"], model.members != nil else { throw invalid("no \"model\" object") }
        let kind = model["type"]?.string ?? (model["merges"] != nil ? "BPE" : model["vocab"]?.elements != nil ? "Unigram" : "")
        var vocabulary = [String: Int](), merges: [String]?
        switch kind {
        case "BPE", "WordPiece", "WordLevel":
            vocabulary = try idMap(model["vocab"] ?? .null, file: file, what: "vocab")
            if kind == "BPE" {
                merges = try (model["merges"]?.elements ?? []).map { merge in
                    if let text = merge.string { return text }
                    if let pair = merge.elements, pair.count == 2, let a = pair[0].string, let b = pair[1].string { return a + " " + b }
                    throw invalid("merge \(merge.summary) is neither \"a b\" nor [\"a\", \"b\"]")
                }
            }
        case "Unigram":
            guard let pieces = model["vocab"]?.elements else { throw invalid("Unigram \"vocab\" is not an array of [token, score]") }
            for (id, piece) in pieces.enumerated() {
                guard let token = piece.elements?.first?.string else { throw invalid("Unigram vocab entry \(id) is \(piece.summary), not [token, score]") }
                vocabulary[token] = id
            }
        default:
            throw invalid("unknown tokenizer model type \(CheckpointError.quoted(kind)) (known: BPE, WordPiece, WordLevel, Unigram)")
        }
        var added = [Int: String]()
        for token in root["added_tokens"]?.elements ?? [] {
            guard let id = token["id"]?.integer, let content = token["content"]?.string else {
                throw invalid("added token \(token.summary) has no integer \"id\" and \"content\" string")
            }
            added[id] = content
        }
        return (kind, vocabulary, merges, added)
    }

    /// An object token → non-negative integer id.
    private static func idMap(_ value: JSONValue, file: URL, what: String) throws -> [String: Int] {
        guard let members = value.members else {
            throw CheckpointError.invalidTokenizer(file: file.relativePath, reason: "\(what) is \(value.summary), not an object of token → id")
        }
        var map = [String: Int](minimumCapacity: members.count)
        for member in members {
            guard let id = member.value.integer, id >= 0 else {
                throw CheckpointError.invalidTokenizer(file: file.relativePath, reason: "\(what) \(CheckpointError.quoted(member.key)) has id \(member.value.summary), not a non-negative integer")
            }
            map[member.key] = id
        }
        return map
    }

    /// `merges.txt`: one `a b` merge a line, an optional `#version` first line, blank lines skipped.
    private static func mergesText(_ file: URL) throws -> [String] {
        try text(file).split(separator: "\n").map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
            .enumerated().filter { !($0.offset == 0 && $0.element.hasPrefix("#version")) && !$0.element.isEmpty }
            .map { line in
                guard line.element.split(separator: " ").count == 2 else {
                    throw CheckpointError.invalidTokenizer(file: file.relativePath, reason: "line \(line.offset + 1) is not a merge \"a b\"")
                }
                return line.element
            }
    }

    /// Role → content of the special tokens in a `tokenizer_config.json` or `special_tokens_map.json`
    /// (a string, or an AddedToken object with `content`).
    private static func specialTokens(_ root: JSONValue, file: URL) throws -> [String: String] {
        guard root.members != nil else { throw CheckpointError.invalidTokenizer(file: file.relativePath, reason: "not a JSON object") }
        var roles = [String: String]()
        for role in specialRoles {
            switch root[role] {
            case let .string(token)?: roles[role] = token
            case let value? where value["content"]?.string != nil: roles[role] = value["content"]!.string!
            default: break
            }
        }
        return roles
    }

    /// A `chat_template` value: a string, or a list of `{name, template}` joined in name order.
    private static func chatTemplate(_ value: JSONValue?, file: URL) throws -> (String, String)? {
        switch value {
        case nil, .null?: return nil
        case let .string(text)?: return (text, file.relativePath)
        case let .array(entries)?:
            let named = try entries.map { entry -> (String, String) in
                guard let name = entry["name"]?.string, let template = entry["template"]?.string else {
                    throw CheckpointError.invalidTokenizer(file: file.relativePath, reason: "chat_template entry \(entry.summary) has no \"name\" and \"template\" strings")
                }
                return (name, template)
            }
            return (named.sorted { $0.0 < $1.0 }.map { "{# \($0.0) #}\n\($0.1)" }.joined(separator: "\n"), file.relativePath)
        case let other?:
            throw CheckpointError.invalidTokenizer(file: file.relativePath, reason: "chat_template is \(other.summary), not a string or a list of {name, template}")
        }
    }

    private static func json(_ file: URL) throws -> JSONValue {
        try JSONFile.read(file) { CheckpointError.invalidTokenizer(file: file.relativePath, reason: $0) }
    }

    private static func bytes(_ file: URL) throws -> [UInt8] {
        let handle = try ReadOnlyFile(path: file.relativePath)
        let size = try handle.size()
        guard size <= JSONFile.maximumSize else {
            throw CheckpointError.invalidTokenizer(file: file.relativePath, reason: "\(size) bytes is larger than the \(JSONFile.maximumSize)-byte limit")
        }
        return try handle.read(count: size, at: 0, tensor: nil)
    }

    private static func text(_ file: URL) throws -> String {
        let data = try bytes(file)
        guard StrictJSONParser.isValidUTF8(data) else { throw CheckpointError.invalidTokenizer(file: file.relativePath, reason: "not valid UTF-8") }
        return String(decoding: data, as: UTF8.self)
    }
}
