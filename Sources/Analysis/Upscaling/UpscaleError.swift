/// What can stop ``SmileUpscaler``, beyond unreadable inputs (``CheckpointError``) and numerical
/// failures (``LinearAlgebraError``). `description` is one line.
public enum UpscaleError: Error, CustomStringConvertible, Equatable {
    /// An option value is out of range or inconsistent with the family.
    case invalidOption(String)
    /// The family cannot be written in the asked layout: its config or layers do not fit the model class
    /// that layout loads as (an input error, not a bad option).
    case unfitLayout(String)
    /// The output directory exists and replacing it was not asked for.
    case outputExists(path: String)
    /// `others: .model(name)` names no task of the family.
    case unknownModel(name: String, available: [String])
    /// No linear weight is selected (nothing to upscale).
    case noLinearLayers(reason: String)
    /// The output could not be written; nothing was left behind.
    case cannotWrite(path: String, reason: String)
    /// An upscaled layer read back from disk is inconsistent.
    case malformedLayer(module: String, reason: String)
    /// A selected weight is stored in × out (GPT-2 `Conv1D`): FusionBench's SMILE upscaling replaces
    /// `nn.Linear` modules only (`SmileUpscalingAlgorithm._linear_layer_cls = (nn.Linear,)`), so no
    /// `SmileMoELinear` it can load exists for it. `count`: how many weights of the family are so stored.
    case storedTransposed(weight: String, count: Int)

    public var description: String {
        switch self {
        case let .invalidOption(reason): return reason
        case let .unfitLayout(reason): return reason
        case let .outputExists(path): return "\(path) already exists; pass --force to replace it"
        case let .unknownModel(name, available):
            return "no model named \"\(name)\" in the family (models: \(available.joined(separator: ", ")))"
        case let .noLinearLayers(reason): return "nothing to upscale: \(reason)"
        case let .cannotWrite(path, reason): return "cannot write \(path): \(reason)"
        case let .malformedLayer(module, reason): return "upscaled layer \"\(module)\": \(reason)"
        case let .storedTransposed(weight, count):
            return "\(weight) is stored in × out (a transformers Conv1D weight, one of \(count)); FusionBench's SMILE upscaling replaces nn.Linear modules only, "
                + "so there is no SmileMoELinear layout for it: leave such weights out with --exclude (e.g. --exclude '\\.(c_attn|q_attn|c_proj|c_fc)\\.'), and they follow --others"
        }
    }
}
