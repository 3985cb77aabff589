/// One chart placed in a ``Figure``.
public enum Panel: Sendable {
    /// Lines, scatter, bands, reference lines, bars and annotations on 2-D axes.
    case axes(Axes)
    /// One annotated heatmap with its colour bar.
    case heatmap(Heatmap)
    /// Small multiples of heatmaps sharing one colour bar.
    case heatmapGrid(HeatmapGrid)

    /// Draws the panel into `frame`.
    func draw(on canvas: Canvas, in frame: Rect) throws(PlotError) {
        switch self {
        case .axes(let axes): try AxesRenderer(axes: axes, canvas: canvas, frame: frame).draw()
        case .heatmap(let map): try HeatmapRenderer(map).draw(on: canvas, in: frame)
        case .heatmapGrid(let grid): try HeatmapRenderer(grid).draw(on: canvas, in: frame)
        }
    }
}
