/// Where an ``Axes`` puts its legend. Legends always sit outside the plot area so they never cover
/// data; entries that are too long are ellipsized.
public enum LegendPlacement: Sendable {
    /// To the right when the entries fit in one column there, otherwise below in several columns.
    case automatic
    /// One column to the right of the plot area.
    case right
    /// Rows of entries below the x axis.
    case below
    /// No legend.
    case hidden
}

/// One legend row: a small sample of the mark and its label.
struct LegendEntry {
    /// What the sample looks like.
    enum Swatch {
        case line(Color, width: Double, dash: Dash, marker: MarkerShape?)
        case marker(Color, MarkerShape)
        case patch(Color)
        case tick(Color)
    }

    var label: String
    var swatch: Swatch
}

/// Legend entries arranged in a grid (row-major), with labels ellipsized to a common width.
struct LegendLayout {
    static let swatchWidth = 26.0
    static let swatchGap = 7.0
    static let columnGap = 20.0

    let entries: [LegendEntry]
    let columns: Int
    let labelWidth: Double
    let rowHeight: Double

    /// Number of rows.
    var rows: Int { (entries.count + columns - 1) / columns }
    /// Width of one column (swatch, gap, label).
    var columnWidth: Double { Self.swatchWidth + Self.swatchGap + labelWidth }
    /// Total width.
    var width: Double { Double(columns) * columnWidth + Double(columns - 1) * Self.columnGap }
    /// Total height.
    var height: Double { Double(rows) * rowHeight }

    /// A single column whose labels are at most `maxLabelWidth` wide.
    init(column entries: [LegendEntry], maxLabelWidth: Double, canvas: Canvas) {
        self.init(entries: entries, columns: 1, maxLabelWidth: maxLabelWidth, canvas: canvas)
    }

    /// As many columns as the labels need to fit in `width` unshortened, or more (with ellipsized
    /// labels) when the legend would otherwise be taller than `maxHeight`; rows are evenly filled.
    init(rows entries: [LegendEntry], width: Double, maxHeight: Double, canvas: Canvas) {
        let natural = entries.map { canvas.width(of: $0.label, font: Style.legendFont) }.max() ?? 0
        let columnWidth = Self.swatchWidth + Self.swatchGap + natural
        let rowHeight = canvas.lineHeight(Style.legendFont) + 5
        let fitting = Int((width + Self.columnGap) / (columnWidth + Self.columnGap))
        let maxRows = max(1, Int(maxHeight / rowHeight))
        var columns = max(1, min(entries.count, max(fitting, (entries.count + maxRows - 1) / maxRows)))
        let rows = (entries.count + columns - 1) / columns
        columns = (entries.count + rows - 1) / rows
        let maxLabel = (width - Double(columns - 1) * Self.columnGap) / Double(columns) - Self.swatchWidth - Self.swatchGap
        self.init(entries: entries, columns: columns, maxLabelWidth: max(maxLabel, 20), canvas: canvas)
    }

    private init(entries: [LegendEntry], columns: Int, maxLabelWidth: Double, canvas: Canvas) {
        self.entries = entries.map {
            LegendEntry(label: canvas.ellipsized($0.label, maxWidth: maxLabelWidth, font: Style.legendFont, keepingEnd: true), swatch: $0.swatch)
        }
        self.columns = columns
        self.labelWidth = self.entries.map { canvas.width(of: $0.label, font: Style.legendFont) }.max() ?? 0
        self.rowHeight = canvas.lineHeight(Style.legendFont) + 5
    }

    /// Draws the legend with its top-left corner at (x, y).
    func draw(on canvas: Canvas, x: Double, y: Double) {
        for (i, entry) in entries.enumerated() {
            let left = x + Double(i % columns) * (columnWidth + Self.columnGap)
            let middle = y + (Double(i / columns) + 0.5) * rowHeight
            let swatchMid = left + Self.swatchWidth / 2
            switch entry.swatch {
            case let .line(color, width, dash, marker):
                canvas.line(left, middle, left + Self.swatchWidth, middle, color: color, width: width,
                            dash: dash.pattern(width: width), roundCaps: dash == .dotted)
                if let marker { canvas.marker(marker, x: swatchMid, y: middle, size: 6.5, color: color) }
            case let .marker(color, shape):
                canvas.marker(shape, x: swatchMid, y: middle, size: 7.5, color: color)
            case let .patch(color):
                canvas.fill(Rect(x: left + 4, y: middle - 5.5, width: Self.swatchWidth - 8, height: 11), color: color)
            case let .tick(color):
                canvas.line(left + 5, middle, left + Self.swatchWidth - 5, middle, color: color, width: 2.5)
            }
            canvas.text(entry.label, x: left + Self.swatchWidth + Self.swatchGap, y: middle,
                        font: Style.legendFont, color: Style.text, vertical: .middle)
        }
    }
}
