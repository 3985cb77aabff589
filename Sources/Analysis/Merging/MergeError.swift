/// What stops ``ModelMerger`` beyond unreadable inputs (``CheckpointError``), writing
/// (``UpscaleError/outputExists(path:)``, ``UpscaleError/cannotWrite(path:reason:)``) and numerical
/// failures (``LinearAlgebraError``). `description` is one line.
public enum MergeError: Error, CustomStringConvertible, Equatable {
    /// An option value is out of range (a usage error).
    case invalidOption(String)
    /// A model's update of a tensor holds NaN or ±Inf: no method can merge it (TIES cannot rank it,
    /// the SVD cannot decompose it, a sum would spread it).
    case nonFinite(model: String, file: String, tensor: String)
    /// The inputs lack what the method needs (e.g. a subspace method and no 2-D linear weight).
    case unsupportedInput(String)
    /// The output would replace one of the inputs.
    case outputIsInput(output: String, input: String)

    public var description: String {
        switch self {
        case let .invalidOption(reason): return reason
        case let .nonFinite(model, file, tensor):
            return "\(file): tensor \(tensor) of model \(model) holds NaN or Inf values; a merge needs finite updates"
        case let .unsupportedInput(reason): return reason
        case let .outputIsInput(output, input): return "the output \(output) would replace the input \(input)"
        }
    }
}
