/// A shaded vertical band over `from…to` in x spanning the whole plot height, with an optional label
/// written at its top: for zones such as "top k=12" or "null space".
public struct Band: Sendable {
    /// Left edge in data units.
    public var from: Double
    /// Right edge in data units.
    public var to: Double
    /// Text written inside the band at the top of the plot; nil for none.
    public var label: String?
    /// Fill colour (the label is drawn in a darker shade of it).
    public var color: Color
    /// Fill opacity, 0…1.
    public var opacity: Double

    /// A band over x in `from…to`.
    public init(from: Double, to: Double, label: String? = nil, color: Color = .gray, opacity: Double = 0.15) {
        self.from = from
        self.to = to
        self.label = label
        self.color = color
        self.opacity = opacity
    }
}
