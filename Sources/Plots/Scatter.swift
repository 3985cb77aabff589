/// The shape drawn at a data point.
public enum MarkerShape: Sendable {
    /// A filled disc.
    case circle
    /// A filled square.
    case square
    /// A filled upward triangle.
    case triangle
    /// A filled diamond.
    case diamond
}

/// Unconnected markers at (x[i], y[i]).
public struct Scatter: Sendable {
    /// X coordinates.
    public var x: [Double]
    /// Y coordinates, one per x.
    public var y: [Double]
    /// Legend text; nil keeps the points out of the legend.
    public var label: String?
    /// Marker colour; nil takes the next ``Palette/tab10`` colour.
    public var color: Color?
    /// Marker shape.
    public var marker: MarkerShape
    /// Marker diameter in points.
    public var size: Double

    /// Markers at the points (x[i], y[i]).
    public init(x: [Double], y: [Double], label: String? = nil, color: Color? = nil,
                marker: MarkerShape = .circle, size: Double = 7) {
        self.x = x
        self.y = y
        self.label = label
        self.color = color
        self.marker = marker
        self.size = size
    }
}
