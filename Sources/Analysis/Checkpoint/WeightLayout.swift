import Foundation

/// Which 2-D weights of a base checkpoint are stored in × out rather than out × in (`nn.Linear`).
///
/// transformers' `Conv1D` (GPT-2 and the models built from it) keeps its weight as `nx × nf` = in × out
/// and computes y = x W + b. Analysing that matrix as out × in swaps inputs and outputs: the zones'
/// left and right sides, the interference objective (which reads each task's input subspace), λ*, the
/// principal angles and the cross blocks would all be those of Wᵀ. A weight is taken as stored in × out
/// when
/// - the base's `config.json` has a `model_type` whose transformers implementation uses `Conv1D`
///   (``conv1DModelTypes``: gpt2, openai-gpt, imagegpt, decision_transformer, clvp / clvp_decoder —
///   checked against transformers 5.x, `transformers.pytorch_utils.Conv1D`) and the weight is one of its
///   `Conv1D` modules (``conv1DModules``: `c_attn`, `q_attn`, `c_proj`, `c_fc`); or
/// - its name matches the user's pattern (`--transposed REGEX`), for any other model; or
/// - a PEFT adapter of the family adapts it with `fan_in_fan_out` (PEFT's statement that the base layer
///   stores its weight as fan_in × fan_out; PEFT sets it for every `Conv1D` target).
///
/// Such weights are transposed when read, so every analysis sees out × in.
public struct WeightLayout: Sendable, Equatable {
    /// `model_type` values whose transformers models hold `Conv1D` layers.
    public static let conv1DModelTypes: Set<String> = ["gpt2", "openai-gpt", "imagegpt", "decision_transformer", "clvp", "clvp_decoder"]
    /// The attribute names of those `Conv1D` layers (attention: c_attn, q_attn for cross-attention,
    /// c_proj; MLP: c_fc, c_proj). The same names hold `nn.Linear` in other architectures (e.g. CodeGen,
    /// GPT-BigCode), which is why the model type is required.
    public static let conv1DModules: Set<String> = ["c_attn", "q_attn", "c_proj", "c_fc"]

    /// The base's `model_type` from `config.json`, when it has one.
    public let modelType: String?
    /// The user's pattern for further in × out weights.
    public let pattern: String?

    /// The layout of a base at `baseURL` (its directory's `config.json`, if any) with an optional
    /// pattern. Throws ``CheckpointError/invalidFamily(reason:)`` for a pattern that does not compile;
    /// a `config.json` that cannot be read or parsed is reported through
    /// ``CheckpointError/invalidModelConfig(file:reason:)``.
    public init(baseURL: URL, pattern: String?) throws {
        try self.init(modelType: Self.modelType(near: baseURL), pattern: pattern)
    }

    /// A layout from a known model type (tests, callers that already read the config).
    public init(modelType: String?, pattern: String? = nil) throws {
        self.modelType = modelType
        self.pattern = pattern
        do {
            _ = try pattern.map { try Regex($0) }
        } catch {
            throw CheckpointError.invalidFamily(reason: "invalid --transposed pattern \"\(pattern ?? "")\": \(error)")
        }
    }

    /// Whether the model type makes `name` (a 2-D `….weight`) a `Conv1D` weight.
    public func isConv1D(_ name: String) -> Bool {
        guard let modelType, Self.conv1DModelTypes.contains(modelType), name.hasSuffix(".weight") else { return false }
        let module = name.dropLast(".weight".count).split(separator: ".").last.map(String.init) ?? ""
        return Self.conv1DModules.contains(module)
    }

    /// Whether the user's pattern names `name` (the pattern compiled when the layout was made).
    public func matchesPattern(_ name: String) -> Bool {
        guard let pattern, let regex = try? Regex(pattern) else { return false }
        return name.firstMatch(of: regex) != nil
    }

    /// Whether the model type or the pattern says `name` is stored in × out.
    public func isStoredTransposed(_ name: String) -> Bool { isConv1D(name) || matchesPattern(name) }

    /// The `model_type` of the `config.json` beside a checkpoint (in the directory, or beside the file).
    private static func modelType(near url: URL) throws -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return nil }
        let config = (isDirectory.boolValue ? url : url.deletingLastPathComponent()).appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: config.path) else { return nil }
        let json = try JSONFile.read(config) { CheckpointError.invalidModelConfig(file: config.relativePath, reason: $0) }
        guard json.members != nil else { throw CheckpointError.invalidModelConfig(file: config.relativePath, reason: "not a JSON object") }
        return json["model_type"]?.string
    }
}
