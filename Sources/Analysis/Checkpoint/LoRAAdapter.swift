import Foundation

/// One module adapted by a LoRA adapter: the factors of its update and what they apply to.
public struct LoRAModule: Sendable, Equatable {
    /// The module's name in the base model, e.g. `encoder.layer.0.attention.self.query` (the adapter key
    /// without `base_model.model.` and `.lora_A.weight`).
    public let name: String
    /// The configured rank, equal to the factors' inner dimension (checked on opening).
    public let rank: Int
    /// The configured alpha.
    public let alpha: Double
    /// alpha/rank, or alpha/√rank with rsLoRA.
    public let scale: Float
    /// True when ΔW = scale·(B·A)ᵀ: `fan_in_fan_out` (weights stored in×out) or an embedding
    /// (`lora_embedding_A/B`, whose weight is num_embeddings×dim).
    public let isTransposed: Bool
    /// The shape of the base weight this updates, as stored: `[B rows, A columns]`, or transposed.
    public let weightShape: [Int]
    /// The `lora_A` factor (r×in; for embeddings r×num_embeddings).
    public let factorA: TensorInfo
    /// The `lora_B` factor (out×r; for embeddings dim×r).
    public let factorB: TensorInfo

    /// The base tensor this updates: `<name>.weight`.
    public var weightName: String { name + ".weight" }
}

/// A PEFT LoRA adapter directory: `adapter_config.json` + `adapter_model.safetensors` (or, when there is
/// none, a zip-format `adapter_model.bin`, see ``TorchCheckpointFile``).
///
/// Keys `base_model.model.<module>.lora_A.weight` (r×in) and `.lora_B.weight` (out×r) — or
/// `.lora_embedding_A` / `.lora_embedding_B` for embeddings — give the update of `<module>.weight`:
/// ΔW = scale·B·A (out×in), transposed for `fan_in_fan_out` and embeddings. ``update(for:)`` returns it as
/// ``WeightUpdate/lowRank(b:a:scale:)`` oriented like the stored weight: for a transposed module
/// b = Aᵀ and a = Bᵀ, so `b·a` is always rows×columns of the weight.
///
/// Opening checks every module has both factors, A's rows equal B's columns, and that rank equals the
/// configured rank (``LoRAConfig/rank(for:)``); only the safetensors header is read. Tensors that are not
/// LoRA factors (`modules_to_save` copies, LoRA biases) are listed in ``unrecognizedTensors``. When the
/// config has `rank_pattern` / `alpha_pattern` regexes, module names longer than
/// ``PatternKeyBudget/maximumModuleNameLength`` bytes are refused (matching cost grows with the name). Refused:
/// DoRA (`use_dora` or `lora_magnitude_vector` tensors), 4-D (convolution) factors.
public final class LoRAAdapter: Sendable {
    /// The adapter directory.
    public let directory: URL
    /// The parsed `adapter_config.json`.
    public let config: LoRAConfig
    /// `adapter_model.safetensors` or `adapter_model.bin`.
    public let file: any TensorFile
    /// Adapted modules, sorted by name.
    public let modules: [LoRAModule]
    /// Adapter tensors that are not LoRA factors, sorted.
    public let unrecognizedTensors: [String]

    private let moduleIndex: [String: Int]

    /// True when `url` is a directory with an `adapter_config.json`.
    public static func isAdapterDirectory(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent("adapter_config.json").path)
    }

    /// Opens and validates the adapter in `directory`.
    public init(directory: URL) throws {
        let path = directory.relativePath
        let configURL = directory.appendingPathComponent("adapter_config.json")
        let weightsURL = ["adapter_model.safetensors", "adapter_model.bin"].map { directory.appendingPathComponent($0) }
            .first { FileManager.default.fileExists(atPath: $0.path) }
        guard Self.isAdapterDirectory(directory) else {
            throw CheckpointError.notACheckpoint(path: path, reason: "no adapter_config.json, so not a PEFT adapter")
        }
        guard let weightsURL else {
            throw CheckpointError.notACheckpoint(path: path, reason: "adapter_model.safetensors (or adapter_model.bin) is missing")
        }
        let config = try LoRAConfig(url: configURL, adapter: path)
        let file = try TensorFiles.open(weightsURL)
        let (modules, unrecognized) = try Self.modules(in: file, config: config, adapter: path)
        self.directory = directory
        self.config = config
        self.file = file
        self.modules = modules
        self.unrecognizedTensors = unrecognized
        self.moduleIndex = Dictionary(uniqueKeysWithValues: modules.enumerated().map { ($1.weightName, $0) })
    }

    /// The module updating base tensor `weightName` (e.g. `…query.weight`), or nil if not adapted.
    public func module(updating weightName: String) -> LoRAModule? {
        moduleIndex[weightName].map { modules[$0] }
    }

    /// Reads the factors of `module` and returns its update, oriented as the stored weight.
    public func update(for module: LoRAModule) throws -> WeightUpdate {
        let a = try file.tensor(module.factorA.name).matrix!
        let b = try file.tensor(module.factorB.name).matrix!
        return module.isTransposed
            ? .lowRank(b: a.transposed, a: b.transposed, scale: module.scale)
            : .lowRank(b: b, a: a, scale: module.scale)
    }

    /// Σ numel over the adapter file's tensors.
    public var parameterCount: Int { file.parameterCount }

    /// Σ stored bytes over the adapter file's tensors.
    public var byteCount: Int { file.byteCount }

    /// Which factor a key holds and for what kind of layer.
    private enum FactorKind { case a, b, embeddingA, embeddingB }

    private static let suffixes: [(String, FactorKind)] = [
        (".lora_A.weight", .a), (".lora_B.weight", .b), (".lora_embedding_A", .embeddingA), (".lora_embedding_B", .embeddingB),
    ]

    private static func modules(in file: any TensorFile, config: LoRAConfig, adapter: String) throws -> ([LoRAModule], [String]) {
        var factors = [String: [FactorKind: TensorInfo]]()
        var unrecognized = [String]()
        for info in file.tensors {
            if info.name.contains("lora_magnitude_vector") {
                throw CheckpointError.unsupportedAdapter(path: adapter, reason: "DoRA adapters are not supported (found \(info.name))")
            }
            let key = info.name.hasPrefix("base_model.model.") ? String(info.name.dropFirst("base_model.model.".count)) : info.name
            guard let (suffix, kind) = suffixes.first(where: { key.hasSuffix($0.0) }) else {
                unrecognized.append(info.name)
                continue
            }
            factors[String(key.dropLast(suffix.count)), default: [:]][kind] = info
        }
        let modules = try factors.keys.sorted().map { name in
            try module(name, factors: factors[name]!, config: config, file: file.displayPath)
        }
        return (modules, unrecognized)
    }

    private static func module(_ name: String, factors: [FactorKind: TensorInfo], config: LoRAConfig, file: String) throws -> LoRAModule {
        func invalid(_ reason: String) -> CheckpointError { .invalidAdapter(file: file, tensor: name, reason: reason) }
        let isEmbedding = factors[.embeddingA] != nil || factors[.embeddingB] != nil
        guard let a = factors[isEmbedding ? .embeddingA : .a] else { throw invalid("has lora_B but no lora_A") }
        guard let b = factors[isEmbedding ? .embeddingB : .b] else { throw invalid("has lora_A but no lora_B") }
        guard a.shape.count == 2, b.shape.count == 2 else {
            throw invalid("factors of shapes \(a.shape) and \(b.shape) are not matrices (LoRA on convolutions is not supported)")
        }
        guard a.shape[0] == b.shape[1] else { throw invalid("lora_A \(a.shape) has rank \(a.shape[0]) but lora_B \(b.shape) has rank \(b.shape[1])") }
        let hasPatterns = !config.rankPattern.isEmpty || !config.alphaPattern.isEmpty
        guard !hasPatterns || name.utf8.count <= PatternKeyBudget.maximumModuleNameLength else {
            throw invalid("the name is \(name.utf8.count) bytes, longer than the \(PatternKeyBudget.maximumModuleNameLength)-byte limit for names matched against rank_pattern / alpha_pattern")
        }
        let rank = config.rank(for: name)
        guard a.shape[0] == rank else {
            throw invalid("factors have rank \(a.shape[0]) but adapter_config.json gives r = \(rank) for this module")
        }
        let isTransposed = isEmbedding || config.fanInFanOut
        return LoRAModule(
            name: name, rank: rank, alpha: config.alpha(for: name), scale: config.scale(for: name), isTransposed: isTransposed,
            weightShape: isTransposed ? [a.shape[1], b.shape[0]] : [b.shape[0], a.shape[1]], factorA: a, factorB: b)
    }
}
