/// Compares a model's `config.json` and `generation_config.json` with the base's.
///
/// | keys | severity when they differ | why |
/// |---|---|---|
/// | `model_type` | incompatible | another architecture: tensors of the same name mean different things |
/// | hidden, intermediate, heads, KV heads, layers, head dim, vocab | incompatible | the weights' shapes differ |
/// | `architectures` | warning | another head class on the same backbone; heads are not merged |
/// | `rope_theta`, rope scaling, `sliding_window`, `use_sliding_window` | warning | positions are encoded differently |
/// | `tie_word_embeddings` | warning | one model's output layer is its input embedding |
/// | `hidden_act` | warning | another nonlinearity |
/// | `max_position_embeddings` | note | a context-length setting; a learned position table's shape is checked with the tensors |
/// | `torch_dtype` / `dtype` | note | weights are compared in float32 |
/// | any other key of config.json / generation_config.json | note (listed) | |
///
/// Values are compared canonically (``JSONValue/canonicalText``) after transformers' defaults and aliases
/// (``ModelConfig``).
enum ConfigComparison {
    /// Keys whose difference makes task arithmetic undefined, with the reason shown.
    static let shapeKeys = ["hidden_size", "intermediate_size", "num_attention_heads", "num_key_value_heads", "num_hidden_layers", "head_dim", "vocab_size"]
    /// Keys compared on their own (everything else is listed in one note).
    private static let handled: Set<String> = Set(shapeKeys + ["model_type", "architectures", "rope_theta", "rope_scaling", "rope_parameters", "sliding_window",
        "use_sliding_window", "tie_word_embeddings", "max_position_embeddings", "torch_dtype", "hidden_act"]).union(ModelConfig.aliases.values.joined())
    /// Keys that record provenance, not the model.
    private static let ignored: Set<String> = ["_name_or_path", "transformers_version", "id2label", "label2id", "finetuning_task", "_commit_hash", "text_config"]

    /// The findings of `model` against `base` (both `config.json`).
    static func compare(base: ModelConfig, model: ModelConfig) -> [CompatibilityFinding] {
        let file = model.url.relativePath
        var findings = [CompatibilityFinding]()
        func differ(_ key: String, _ b: JSONValue?, _ m: JSONValue?, _ severity: CompatibilitySeverity, _ aspect: CompatibilityAspect, _ why: String) {
            let (bt, mt) = (b?.canonicalText, m?.canonicalText)
            guard bt != mt else { return }
            findings.append(CompatibilityFinding(severity, aspect, key: key, base: bt, model: mt, file: file,
                message: "\(key) is \(mt ?? "absent") here but \(bt ?? "absent") in the base: \(why)"))
        }
        differ("model_type", base.value("model_type"), model.value("model_type"), .incompatible, .architecture,
               "another architecture, whose tensors of the same name need not mean the same")
        for key in shapeKeys {
            differ(key, base.value(key), model.value(key), .incompatible, .shape, "weight shapes differ, so task arithmetic and SMILE are undefined")
        }
        differ("architectures", base.value("architectures"), model.value("architectures"), .warning, .architecture,
               "another head class on the same backbone (heads are not merged)")
        differ("rope_theta", base.ropeTheta, model.ropeTheta, .warning, .position, "rotary positions are encoded at another frequency")
        differ("rope_scaling", base.ropeScaling, model.ropeScaling, .warning, .position, "rotary positions are scaled differently, so the updates were trained for other positions")
        for key in ["sliding_window", "use_sliding_window"] {
            differ(key, base.value(key), model.value(key), .warning, .position, "attention sees another window")
        }
        differ("tie_word_embeddings", base.value("tie_word_embeddings"), model.value("tie_word_embeddings"), .warning, .embeddings,
               "one model's output layer is its input embedding, so their lm_head updates do not correspond")
        differ("hidden_act", base.value("hidden_act"), model.value("hidden_act"), .warning, .config, "another activation function")
        differ("max_position_embeddings", base.value("max_position_embeddings"), model.value("max_position_embeddings"), .note, .position,
               "another configured context length (a learned position table's shape is checked with the tensors)")
        differ("torch_dtype", base.value("torch_dtype"), model.value("torch_dtype"), .note, .dtype, "weights are compared in float32 either way")
        if let other = otherKeys(base.root, model.root, skipping: handled.union(ignored)) {
            findings.append(CompatibilityFinding(.note, .config, key: other.joined(separator: ","), file: file,
                message: "other config keys differ from the base: \(listed(other))"))
        }
        return findings
    }

    /// The note for `generation_config.json` files that differ (keys listed), or nil.
    static func compareGeneration(base: ModelConfig?, model: ModelConfig?) -> CompatibilityFinding? {
        guard let model else { return nil }
        guard let base else {
            return CompatibilityFinding(.note, .config, key: "generation_config.json", file: model.url.relativePath, message: "the base has no generation_config.json")
        }
        guard let keys = otherKeys(base.root, model.root, skipping: ["transformers_version", "_from_model_config"]) else { return nil }
        return CompatibilityFinding(.note, .config, key: keys.joined(separator: ","), file: model.url.relativePath,
            message: "generation settings differ from the base: \(listed(keys))")
    }

    /// Top-level keys (outside `skipping`) whose canonical values differ, sorted; nil when none.
    private static func otherKeys(_ base: JSONValue, _ model: JSONValue, skipping: Set<String>) -> [String]? {
        let keys = Set((base.members ?? []).map(\.key) + (model.members ?? []).map(\.key)).subtracting(skipping)
        let differing = keys.filter { key in
            let (b, m) = (base[key], model[key])
            return (b == .null ? nil : b)?.canonicalText != (m == .null ? nil : m)?.canonicalText
        }.sorted()
        return differing.isEmpty ? nil : differing
    }

    /// The first ten names joined, with a count of the rest.
    static func listed(_ names: [String], limit: Int = 10) -> String {
        names.prefix(limit).joined(separator: ", ") + (names.count > limit ? " and \(names.count - limit) more" : "")
    }
}
