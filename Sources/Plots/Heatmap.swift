/// A matrix of values drawn as coloured cells, each optionally annotated with its value in black or
/// white (whichever contrasts better with the cell), with row and column labels and a colour bar.
public struct Heatmap: Sendable {
    /// The values, `values[row][column]`; rows are drawn top to bottom. NaN cells are drawn grey
    /// without a value.
    public var values: [[Double]]
    /// One label per row (left of the cells), or empty for none.
    public var rowLabels: [String]
    /// One label per column (below the cells), or empty for none.
    public var columnLabels: [String]
    /// Title above the cells (in a ``HeatmapGrid``: the title of this tile).
    public var title: String?
    /// Label under the column labels.
    public var xLabel: String?
    /// Label left of the row labels (rotated).
    public var yLabel: String?
    /// Colours for the values (ignored inside a ``HeatmapGrid``, which has a shared one).
    public var colormap: Colormap
    /// The values mapped to the ends of the colormap; nil uses the data's minimum and maximum, or
    /// −m…m with m the largest magnitude for a diverging colormap.
    public var range: ClosedRange<Double>?
    /// How cell values are written, or nil for no annotations. Text shrinks to fit the cells and is
    /// left out when cells are too small to read it.
    public var annotationFormat: NumberFormat?
    /// Label of the colour bar.
    public var colorBarLabel: String?
    /// Whether the colour bar is drawn (ignored inside a ``HeatmapGrid``, which has a shared one).
    public var showsColorBar: Bool

    /// A heatmap of `values` (`values[row][column]`).
    public init(values: [[Double]], rowLabels: [String] = [], columnLabels: [String] = [], title: String? = nil,
                xLabel: String? = nil, yLabel: String? = nil, colormap: Colormap = .viridis,
                range: ClosedRange<Double>? = nil, annotationFormat: NumberFormat? = .automatic,
                colorBarLabel: String? = nil, showsColorBar: Bool = true) {
        self.values = values
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.colormap = colormap
        self.range = range
        self.annotationFormat = annotationFormat
        self.colorBarLabel = colorBarLabel
        self.showsColorBar = showsColorBar
    }

    /// Number of rows.
    var rowCount: Int { values.count }
    /// Number of columns.
    var columnCount: Int { values.first?.count ?? 0 }

    /// Throws ``PlotError/invalidData(_:)`` for an empty or ragged matrix or mismatched labels.
    func validate() throws(PlotError) {
        let name = title.map { "heatmap “\($0)”" } ?? "heatmap"
        guard rowCount > 0, columnCount > 0 else { throw .invalidData("\(name) has no cells") }
        guard values.allSatisfy({ $0.count == columnCount }) else { throw .invalidData("\(name) has rows of different lengths") }
        guard rowLabels.isEmpty || rowLabels.count == rowCount else {
            throw .invalidData("\(name) has \(rowLabels.count) row labels for \(rowCount) rows")
        }
        guard columnLabels.isEmpty || columnLabels.count == columnCount else {
            throw .invalidData("\(name) has \(columnLabels.count) column labels for \(columnCount) columns")
        }
        if let range, !(range.lowerBound.isFinite && range.upperBound.isFinite && range.lowerBound < range.upperBound) {
            throw .invalidData("\(name) range \(range) must be finite and non-empty")
        }
    }

    /// The colour range for `values` when none is given: min…max, or symmetric around 0 for a
    /// diverging colormap; a constant or empty input still gives a non-empty range.
    static func automaticRange(_ values: [Double], diverging: Bool) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return 0...1 }
        if diverging {
            let magnitude = max(abs(lo), abs(hi))
            return magnitude > 0 ? -magnitude...magnitude : -1...1
        }
        if hi > lo { return lo...hi }
        return lo == 0 ? 0...1 : min(0, lo)...max(0, hi)
    }
}
