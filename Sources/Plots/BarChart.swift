/// One set of bars: a value per category, drawn in one colour.
public struct BarSeries: Sendable {
    /// Legend text; nil keeps the series out of the legend.
    public var label: String?
    /// One value per category of the chart.
    public var values: [Double]
    /// Fill colour; nil takes the next ``Palette/tab10`` colour.
    public var color: Color?
    /// Optional per-category marker values (nil entries draw nothing), drawn as a short horizontal tick
    /// across this series' bar (grouped) or across the whole stack (stacked): e.g. a baseline.
    public var markers: [Double?]?

    /// A series with one value per category.
    public init(label: String? = nil, values: [Double], color: Color? = nil, markers: [Double?]? = nil) {
        self.label = label
        self.values = values
        self.color = color
        self.markers = markers
    }
}

/// Bars over categories on the x axis: series side by side (grouped) or on top of each other
/// (stacked). The axes become a category axis: category i is at x = i.
public struct BarChart: Sendable {
    /// How several series share a category.
    public enum Layout: Sendable {
        /// Series side by side within each category.
        case grouped
        /// Series stacked; positive values grow up from 0, negative ones down.
        case stacked
    }

    /// The x-axis categories, in order.
    public var categories: [String]
    /// The series; each has one value per category.
    public var series: [BarSeries]
    /// Grouped or stacked.
    public var layout: Layout
    /// Fraction of a category's width covered by its bars, 0…1.
    public var barWidth: Double
    /// Legend text for the markers (see ``BarSeries/markers``); nil keeps them out of the legend.
    public var markerLabel: String?
    /// Colour of the marker ticks.
    public var markerColor: Color

    /// Bars for `series` over `categories`.
    public init(categories: [String], series: [BarSeries], layout: Layout = .grouped, barWidth: Double = 0.8,
                markerLabel: String? = nil, markerColor: Color = .black) {
        self.categories = categories
        self.series = series
        self.layout = layout
        self.barWidth = barWidth
        self.markerLabel = markerLabel
        self.markerColor = markerColor
    }
}
