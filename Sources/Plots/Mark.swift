/// Something drawn in the data area of an ``Axes``.
public enum Mark: Sendable {
    /// A polyline, optionally dashed and with markers.
    case line(Line)
    /// Unconnected markers.
    case scatter(Scatter)
    /// A shaded vertical band with a label.
    case band(Band)
    /// A vertical or horizontal reference line with a label.
    case reference(ReferenceLine)
    /// Grouped or stacked bars over categories.
    case bars(BarChart)
    /// Text at a data point.
    case text(TextAnnotation)
}
