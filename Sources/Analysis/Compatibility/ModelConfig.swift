import Foundation

/// A model's `config.json` (or `generation_config.json`) as parsed JSON, with the hyperparameters read
/// under their canonical transformers names.
///
/// transformers spells the same hyperparameter differently per architecture (`attribute_map`): GPT-2's
/// `n_embd` is `hidden_size`, T5's `d_ff` is `intermediate_size`, Falcon's `n_head_kv` is
/// `num_key_value_heads`. ``value(_:)`` looks a canonical name up under its aliases (``aliases``), at the
/// root and then in a multimodal model's `text_config`, and applies transformers' defaults: absent
/// `num_key_value_heads` = `num_attention_heads`, absent `head_dim` = hidden size / heads, absent
/// `tie_word_embeddings` = true. The positional scheme is normalised across transformers 4 (`rope_theta`,
/// `rope_scaling`) and 5 (`rope_parameters`), see ``ropeTheta`` and ``ropeScaling``.
struct ModelConfig: Sendable {
    /// Where the file is.
    let url: URL
    /// The parsed root object.
    let root: JSONValue

    /// Canonical name → the other spellings transformers accepts for it.
    static let aliases: [String: [String]] = [
        "hidden_size": ["n_embd", "d_model", "dim"],
        "intermediate_size": ["n_inner", "d_ff", "ffn_dim", "ffn_hidden_size"],
        "num_attention_heads": ["n_head", "num_heads", "n_heads", "encoder_attention_heads"],
        "num_key_value_heads": ["num_kv_heads", "n_head_kv", "multi_query_group_num", "n_kv_heads"],
        "num_hidden_layers": ["n_layer", "num_layers", "n_layers", "encoder_layers"],
        "max_position_embeddings": ["n_positions", "max_seq_len", "seq_length", "n_ctx"],
        "torch_dtype": ["dtype"],
        "hidden_act": ["activation_function", "hidden_activation"],
    ]

    /// Reads the JSON object at `url`. Throws ``CheckpointError/invalidModelConfig(file:reason:)`` when it
    /// cannot be read, is not strict JSON, or is not an object.
    init(url: URL) throws {
        let path = url.relativePath
        let root = try JSONFile.read(url) { CheckpointError.invalidModelConfig(file: path, reason: $0) }
        guard root.members != nil else { throw CheckpointError.invalidModelConfig(file: path, reason: "not a JSON object") }
        self.url = url
        self.root = root
    }

    /// The config in `directory` named `name`, or nil when there is no such file.
    static func optional(_ name: String, in directory: URL) throws -> ModelConfig? {
        let url = directory.appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: url.path) ? try ModelConfig(url: url) : nil
    }

    /// The raw value of `key` or an alias, at the root or in `text_config`; JSON `null` counts as absent.
    func raw(_ key: String) -> JSONValue? {
        let names = [key] + (Self.aliases[key] ?? [])
        for scope in [root, root["text_config"]].compactMap({ $0 }) {
            for name in names { if let value = scope[name], value != .null { return value } }
        }
        return nil
    }

    /// `key`'s value with transformers' defaults applied (see the type's documentation).
    func value(_ key: String) -> JSONValue? {
        if let value = raw(key) { return value }
        switch key {
        case "num_key_value_heads": return raw("num_attention_heads")
        case "head_dim":
            guard let hidden = raw("hidden_size")?.integer, let heads = raw("num_attention_heads")?.integer, heads > 0 else { return nil }
            return .number(String(hidden / heads))
        case "tie_word_embeddings": return .bool(true)
        default: return nil
        }
    }

    /// `rope_theta`, from the root or transformers 5's `rope_parameters`.
    var ropeTheta: JSONValue? { raw("rope_theta") ?? raw("rope_parameters")?["rope_theta"] }

    /// The rope scaling as one object without `rope_theta`: `rope_scaling`, or `rope_parameters` minus
    /// `rope_theta`; the legacy key `type` is read as `rope_type`, and a plain `default` rope is no
    /// scaling (nil).
    var ropeScaling: JSONValue? {
        guard let scaling = raw("rope_scaling") ?? raw("rope_parameters"), let members = scaling.members else { return nil }
        let kept = members.filter { $0.key != "rope_theta" }.map { JSONMember(key: $0.key == "type" ? "rope_type" : $0.key, value: $0.value) }
        if kept.isEmpty || (kept.count == 1 && kept[0].key == "rope_type" && kept[0].value == .string("default")) { return nil }
        return .object(kept)
    }
}

extension JSONValue {
    /// Canonical compact JSON text: object keys sorted, numbers by value (`10000.0` and `1e4` are
    /// `10000`), so two values that mean the same render the same.
    var canonicalText: String {
        switch self {
        case .null: return "null"
        case let .bool(flag): return String(flag)
        case let .number(text):
            guard let value = Double(text) else { return text }
            return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        case let .string(text): return SafetensorsWriter.jsonString(text)
        case let .array(elements): return "[" + elements.map(\.canonicalText).joined(separator: ",") + "]"
        case let .object(members):
            return "{" + members.sorted { $0.key < $1.key }.map { SafetensorsWriter.jsonString($0.key) + ":" + $0.value.canonicalText }.joined(separator: ",") + "}"
        }
    }
}
