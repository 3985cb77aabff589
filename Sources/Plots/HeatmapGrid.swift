/// Small multiples: several heatmaps (e.g. one 3×3 map per task) in a grid with one shared colour
/// scale and colour bar. Row labels are written once per grid row and column labels once per grid
/// column when all maps share them.
public struct HeatmapGrid: Sendable {
    /// The maps, placed row by row; each one's `title` names its tile. Their own `colormap`, `range`
    /// and `showsColorBar` are ignored in favour of the grid's.
    public var maps: [Heatmap]
    /// Number of tile columns; nil picks the count that makes cells largest.
    public var columns: Int?
    /// Title above the grid.
    public var title: String?
    /// Label under the whole grid.
    public var xLabel: String?
    /// Label left of the whole grid (rotated).
    public var yLabel: String?
    /// The shared colormap.
    public var colormap: Colormap
    /// The shared colour range; nil fits all maps' values (symmetric for a diverging colormap).
    public var range: ClosedRange<Double>?
    /// Label of the shared colour bar.
    public var colorBarLabel: String?

    /// A grid of `maps` sharing one colour scale.
    public init(maps: [Heatmap], columns: Int? = nil, title: String? = nil, xLabel: String? = nil,
                yLabel: String? = nil, colormap: Colormap = .viridis, range: ClosedRange<Double>? = nil,
                colorBarLabel: String? = nil) {
        self.maps = maps
        self.columns = columns
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.colormap = colormap
        self.range = range
        self.colorBarLabel = colorBarLabel
    }
}
