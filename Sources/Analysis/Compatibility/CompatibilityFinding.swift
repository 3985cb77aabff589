/// How much a difference between a model and its base matters for merging them.
///
/// Ordered `note < warning < incompatible`, so the worst of several is their `max()`.
public enum CompatibilitySeverity: String, Codable, Sendable, CaseIterable, Comparable {
    /// A fact worth knowing that does not change what merging means (a dtype, extra task-head tensors).
    case note
    /// Task arithmetic and SMILE are defined but likely harmful: different tokenizer merges or vocabulary
    /// ids, different rope scaling, a different chat template, tokens without embedding rows.
    case warning
    /// Task arithmetic or SMILE is undefined: shapes differ, layers or tensors are missing, the
    /// architecture differs, an adapter updates nothing the base has.
    case incompatible

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Which part of a model a finding is about.
public enum CompatibilityAspect: String, Codable, Sendable, CaseIterable {
    /// `architectures`, `model_type`.
    case architecture
    /// A shape-defining hyperparameter: hidden size, intermediate size, heads, KV heads, layers, head dim, vocab.
    case shape
    /// The positional scheme: `rope_theta`, `rope_scaling`, `max_position_embeddings`, sliding window.
    case position
    /// `tie_word_embeddings`.
    case embeddings
    /// Stored or configured dtypes.
    case dtype
    /// Other `config.json` / `generation_config.json` keys.
    case config
    /// Vocabulary, merges, added and special tokens.
    case tokenizer
    /// The chat template in `tokenizer_config.json`.
    case chatTemplate
    /// Tensors of the checkpoint headers: missing, extra, other shapes.
    case tensors
    /// A PEFT LoRA adapter's targets, rank and alpha.
    case adapter
}

/// One difference (or fact) found comparing a model's configs, tokenizer files and tensor headers with
/// the base's.
public struct CompatibilityFinding: Codable, Sendable, Equatable {
    /// How much it matters.
    public var severity: CompatibilitySeverity
    /// What it is about.
    public var aspect: CompatibilityAspect
    /// The config key, tensor name or tokenizer part, e.g. `num_hidden_layers`, `model.embed_tokens.weight`,
    /// `merges`.
    public var key: String
    /// The base's value as text (JSON text for config values); nil when the base has none.
    public var base: String?
    /// The model's value as text; nil when the model has none.
    public var model: String?
    /// The model's file the finding rests on (a config, tokenizer or weight file).
    public var file: String
    /// One sentence, without the file: what differs and why it matters.
    public var message: String

    /// Creates a finding.
    public init(_ severity: CompatibilitySeverity, _ aspect: CompatibilityAspect, key: String, base: String? = nil, model: String? = nil, file: String, message: String) {
        (self.severity, self.aspect, self.key, self.base, self.model, self.file, self.message) = (severity, aspect, key, base, model, file, message)
    }

    /// The finding on one line: `file: severity: message`.
    public var line: String { "\(file): \(severity.rawValue): \(message)" }
}
