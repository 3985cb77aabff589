/// Why a figure could not be rendered or written.
public enum PlotError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The figure's pixel size is empty or too large (width × height × scale).
    case invalidSize(width: Double, height: Double, scale: Double)
    /// The plotted data is inconsistent, e.g. x and y of a line have different lengths.
    case invalidData(String)
    /// Cairo reported an error while drawing or encoding the PNG.
    case renderingFailed(String)
    /// The PNG could not be written to `path`.
    case cannotWrite(path: String, reason: String)

    /// A one-line message for the user.
    public var description: String {
        switch self {
        case let .invalidSize(width, height, scale):
            "invalid figure size \(width)×\(height) pt at scale \(scale): each side must be 1…32767 px"
        case let .invalidData(message):
            "invalid plot data: \(message)"
        case let .renderingFailed(message):
            "rendering failed: \(message)"
        case let .cannotWrite(path, reason):
            "cannot write PNG to \(path): \(reason)"
        }
    }
}
