import Foundation

/// How a fine-tune is stored.
public enum ModelKind: String, Sendable, Equatable {
    /// A full checkpoint: every weight fine-tuned and stored (a `.safetensors` file or HF directory).
    case full
    /// A PEFT LoRA adapter directory: only low-rank factors of some weights.
    case lora

    /// `.lora` for a directory with `adapter_config.json`, else `.full`.
    public static func detect(_ url: URL) -> ModelKind {
        LoRAAdapter.isAdapterDirectory(url) ? .lora : .full
    }
}

extension Collection where Element == ModelKind {
    /// Whether every model is a LoRA adapter (false for no model, and for a mixed family): the one fact
    /// the measured merge and upscale defaults read.
    public var allLoRA: Bool { !isEmpty && allSatisfy { $0 == .lora } }
}

/// A base tensor present in every fine-tune of a family (for LoRA: every base tensor; modules an
/// adapter does not touch have a zero update).
public struct MatchedTensor: Sendable, Equatable {
    /// The tensor's name in the base checkpoint.
    public let name: String
    /// Its shape (identical in every model; checked on opening).
    public let shape: [Int]
    /// Its dtype in the base (fine-tunes may differ; all decode to `Float`).
    public let dtype: DType

    /// A linear layer's weight: 2-D, named `….weight`, and not an embedding table (name without `embed`,
    /// nor GPT-2's token and position tables `wte` / `wpe`).
    public var isLinearWeight: Bool {
        let module = name.split(separator: ".").dropLast().last
        return shape.count == 2 && name.hasSuffix(".weight") && !name.lowercased().contains("embed") && module != "wte" && module != "wpe"
    }

    /// A convolution kernel: 3-D (conv1d) or 4-D (conv2d).
    public var isConvolution: Bool { shape.count == 3 || shape.count == 4 }
}

/// A base tensor left out of a family's ``ModelFamily/matched`` because one model lacks it.
public struct SkippedTensor: Sendable, Equatable {
    /// The task name of the model that lacks it.
    public let model: String
    /// The base tensor's name.
    public let tensor: String
    /// Why, e.g. `not in full-mansec/model.safetensors`.
    public let reason: String
}

/// One fine-tune of a family and how its tensors line up with the base's.
enum FamilyMember: Sendable {
    /// A full checkpoint; `names` maps each matched base name to the model's name for it.
    case full(Checkpoint, names: [String: String])
    /// A LoRA adapter; `modules` maps base weight names to the module updating them.
    case lora(LoRAAdapter, modules: [String: LoRAModule])
}
