/// A 2-D chart panel: data marks on linear or log axes (or categories on x), with ticks, grid, axis
/// labels, a title and a legend. Limits, ticks, margins and the legend's place are all automatic; set
/// the optional properties to override them.
public struct Axes: Sendable {
    /// Title above the plot (wrapped onto two lines, then ellipsized).
    public var title: String?
    /// Label under the x axis.
    public var xLabel: String?
    /// Label left of the y axis (rotated).
    public var yLabel: String?
    /// Linear or log x axis (ignored on a category axis).
    public var xScale: AxisScale
    /// Linear or log y axis.
    public var yScale: AxisScale
    /// Fixed x range in data units; nil fits the data with a 5% margin.
    public var xLimits: ClosedRange<Double>?
    /// Fixed y range in data units; nil fits the data with a 5% margin (bars start at 0).
    public var yLimits: ClosedRange<Double>?
    /// Category names for the x axis (category i at x = i); nil takes the categories of the first
    /// ``BarChart``, if any. Long names are rotated, thinned out and ellipsized to fit.
    public var xCategories: [String]?
    /// How x tick labels are written; nil picks a compact style from the tick step.
    public var xTickFormat: NumberFormat?
    /// How y tick labels are written; nil picks a compact style from the tick step.
    public var yTickFormat: NumberFormat?
    /// Where the legend goes.
    public var legend: LegendPlacement
    /// Whether light grey grid lines are drawn at the major ticks.
    public var showsGrid: Bool
    /// What is drawn, in order (later marks on top).
    public var marks: [Mark]

    /// An empty panel.
    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil,
                xScale: AxisScale = .linear, yScale: AxisScale = .linear,
                legend: LegendPlacement = .automatic, marks: [Mark] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xScale = xScale
        self.yScale = yScale
        self.legend = legend
        self.showsGrid = true
        self.marks = marks
    }

    /// Appends `mark`, drawn above the marks added before it.
    public mutating func add(_ mark: Mark) {
        marks.append(mark)
    }
}
