/// Horizontal text anchoring relative to its anchor point.
public enum HorizontalAlignment: Sendable {
    /// The text starts at the anchor.
    case left
    /// The text is centred on the anchor.
    case center
    /// The text ends at the anchor.
    case right
}

/// Text placed at a data point, shifted by a small offset in points.
public struct TextAnnotation: Sendable {
    /// The text.
    public var text: String
    /// X of the anchor point in data units.
    public var x: Double
    /// Y of the anchor point in data units.
    public var y: Double
    /// Horizontal shift from the anchor in points (positive = right).
    public var dx: Double
    /// Vertical shift from the anchor in points (positive = up).
    public var dy: Double
    /// How the text lines up with the shifted anchor.
    public var alignment: HorizontalAlignment
    /// Text colour.
    public var color: Color

    /// `text` next to the data point (x, y), by default just above and to the right of it.
    public init(_ text: String, x: Double, y: Double, dx: Double = 5, dy: Double = 5,
                alignment: HorizontalAlignment = .left, color: Color = Color(hex: 0x262626)) {
        self.text = text
        self.x = x
        self.y = y
        self.dx = dx
        self.dy = dy
        self.alignment = alignment
        self.color = color
    }
}
