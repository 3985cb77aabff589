/// A stroke pattern for lines.
public enum Dash: Sendable {
    /// A continuous stroke.
    case solid
    /// Long dashes.
    case dashed
    /// Round dots.
    case dotted
    /// Alternating dashes and dots.
    case dashDot

    /// The on/off lengths for a stroke of `width` points; empty for solid.
    func pattern(width: Double) -> [Double] {
        let w = max(width, 1)
        return switch self {
        case .solid: []
        case .dashed: [3.7 * w, 1.8 * w]
        case .dotted: [0.01, 2 * w]
        case .dashDot: [4 * w, 1.6 * w, 0.01, 1.6 * w]
        }
    }
}

/// A polyline through (x[i], y[i]), optionally dashed and with markers. Non-finite values (and
/// non-positive ones on a log axis) break the line into separate pieces.
public struct Line: Sendable {
    /// X coordinates (category indices 0, 1, … on a category axis).
    public var x: [Double]
    /// Y coordinates, one per x.
    public var y: [Double]
    /// Legend text; nil keeps the line out of the legend.
    public var label: String?
    /// Stroke colour; nil takes the next ``Palette/tab10`` colour.
    public var color: Color?
    /// Stroke width in points.
    public var width: Double
    /// Stroke pattern.
    public var dash: Dash
    /// Marker drawn at every point, or nil for none.
    public var marker: MarkerShape?
    /// Marker diameter in points.
    public var markerSize: Double

    /// A line through the points (x[i], y[i]).
    public init(x: [Double], y: [Double], label: String? = nil, color: Color? = nil, width: Double = 1.8,
                dash: Dash = .solid, marker: MarkerShape? = nil, markerSize: Double = 6) {
        self.x = x
        self.y = y
        self.label = label
        self.color = color
        self.width = width
        self.dash = dash
        self.marker = marker
        self.markerSize = markerSize
    }

    /// A line through (i + `start`, y[i]): for spectra indexed from 1, layers indexed from 0, categories.
    public init(y: [Double], start: Double = 0, label: String? = nil, color: Color? = nil, width: Double = 1.8,
                dash: Dash = .solid, marker: MarkerShape? = nil, markerSize: Double = 6) {
        self.init(x: y.indices.map { Double($0) + start }, y: y, label: label, color: color, width: width,
                  dash: dash, marker: marker, markerSize: markerSize)
    }
}
