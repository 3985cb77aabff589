/// A vertical (constant x) or horizontal (constant y) line across the plot with an optional inline
/// label, e.g. "λ* = 0.62".
public struct ReferenceLine: Sendable {
    /// Which way the line runs.
    public enum Orientation: Sendable {
        /// A line at constant x.
        case vertical
        /// A line at constant y.
        case horizontal
    }

    /// Which way the line runs.
    public var orientation: Orientation
    /// The constant x (vertical) or y (horizontal), in data units.
    public var value: Double
    /// Text written next to the line near the top (vertical) or right end (horizontal).
    public var label: String?
    /// Stroke colour.
    public var color: Color
    /// Stroke width in points.
    public var width: Double
    /// Stroke pattern.
    public var dash: Dash

    /// A vertical line at `x`.
    public init(x: Double, label: String? = nil, color: Color = Color(hex: 0x333333), width: Double = 1.4,
                dash: Dash = .dashed) {
        self.orientation = .vertical
        self.value = x
        self.label = label
        self.color = color
        self.width = width
        self.dash = dash
    }

    /// A horizontal line at `y`.
    public init(y: Double, label: String? = nil, color: Color = Color(hex: 0x333333), width: Double = 1.4,
                dash: Dash = .dashed) {
        self.orientation = .horizontal
        self.value = y
        self.label = label
        self.color = color
        self.width = width
        self.dash = dash
    }
}
