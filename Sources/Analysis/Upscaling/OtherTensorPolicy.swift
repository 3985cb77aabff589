/// Where the tensors that are not part of an upscaled layer come from: norms, embeddings, convolutions,
/// biases and weights of linear layers that were not upscaled (filtered out, or every update zero), and
/// any other matched tensor.
///
/// - ``average``: the mean over the fine-tuned models, (1/T) Σᵢ θᵢ (a LoRA adapter contributes the base
///   value for tensors it does not adapt) — the default here.
/// - ``base``: the pretrained value θ_pre — FusionBench's default (`average_experts: false` in
///   `fusion_bench/method/smile_upscaling/smile_upscaling.py` keeps the pretrained modules).
/// - ``model(_:)``: one fine-tune's value, by task name.
///
/// Whatever the policy, integer tensors and base tensors some model lacks are copied from the base.
/// Spelled `average`, `base` or `model:NAME` on the command line and in `smile_config.json`.
public enum OtherTensorPolicy: Sendable, Equatable, CustomStringConvertible {
    case average
    case base
    case model(String)

    /// Parses `average`, `base` or `model:NAME`; nil otherwise.
    public init?(argument: String) {
        switch argument {
        case "average": self = .average
        case "base": self = .base
        default:
            guard argument.hasPrefix("model:"), argument.count > "model:".count else { return nil }
            self = .model(String(argument.dropFirst("model:".count)))
        }
    }

    /// `average`, `base` or `model:NAME`.
    public var description: String {
        switch self {
        case .average: return "average"
        case .base: return "base"
        case let .model(name): return "model:\(name)"
        }
    }
}
