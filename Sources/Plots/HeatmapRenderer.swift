import Foundation

/// Lays out and draws one or more heatmaps as a grid of tiles with square cells, shared labels and a
/// colour bar: a single ``Heatmap`` is a grid of one tile.
struct HeatmapRenderer {
    let maps: [Heatmap]
    let columns: Int?
    let title: String?
    let xLabel: String?
    let yLabel: String?
    let colormap: Colormap
    let range: ClosedRange<Double>?
    let colorBarLabel: String?
    let showsColorBar: Bool
    /// Whether each map's title is written above its tile (grids), rather than as the panel title.
    let titlesTiles: Bool

    private let horizontalGap = 16.0
    private let verticalGap = 10.0

    /// A single heatmap with its own title, labels and colour bar.
    init(_ map: Heatmap) {
        self.init(maps: [map], columns: 1, title: map.title, xLabel: map.xLabel, yLabel: map.yLabel,
                  colormap: map.colormap, range: map.range, colorBarLabel: map.colorBarLabel,
                  showsColorBar: map.showsColorBar, titlesTiles: false)
    }

    /// Small multiples sharing `grid`'s colour scale.
    init(_ grid: HeatmapGrid) {
        self.init(maps: grid.maps, columns: grid.columns, title: grid.title, xLabel: grid.xLabel, yLabel: grid.yLabel,
                  colormap: grid.colormap, range: grid.range, colorBarLabel: grid.colorBarLabel,
                  showsColorBar: true, titlesTiles: true)
    }

    private init(maps: [Heatmap], columns: Int?, title: String?, xLabel: String?, yLabel: String?, colormap: Colormap,
                 range: ClosedRange<Double>?, colorBarLabel: String?, showsColorBar: Bool, titlesTiles: Bool) {
        self.maps = maps
        self.columns = columns
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.colormap = colormap
        self.range = range
        self.colorBarLabel = colorBarLabel
        self.showsColorBar = showsColorBar
        self.titlesTiles = titlesTiles
    }

    /// The tile grid's shape and the sizes that depend on it.
    private struct Layout {
        var columns: Int
        var rows: Int
        var cell: Double
        var rowLabelSpace: Double
        var columnLabels: [CategoryLabels]
        var columnLabelSpace: Double
        var tileTitleHeight: Double

        /// The largest tile grid (in cells).
        var mapRows = 0, mapColumns = 0
        var tileWidth: Double { Double(mapColumns) * cell }
        var tileHeight: Double { Double(mapRows) * cell }
    }

    /// Validates the maps and draws them into `frame`.
    func draw(on canvas: Canvas, in frame: Rect) throws(PlotError) {
        guard !maps.isEmpty else { throw .invalidData("a heatmap grid needs at least one map") }
        for map in maps { try map.validate() }
        if let columns, columns < 1 { throw .invalidData("a heatmap grid needs at least one column, got \(columns)") }
        if let range, !(range.lowerBound.isFinite && range.upperBound.isFinite && range.lowerBound < range.upperBound) {
            throw .invalidData("heatmap grid range \(range) must be finite and non-empty")
        }
        let range = range ?? Heatmap.automaticRange(maps.flatMap { $0.values.joined() }, diverging: colormap.isDiverging)
        let colorBar = ColorBar(colormap: colormap, range: range, label: colorBarLabel)
        let pad = Style.padding
        let labelHeight = canvas.lineHeight(Style.labelFont)

        let titleLines = title.map { canvas.wrapped($0, maxWidth: frame.width - 2 * pad, font: Style.titleFont, maxLines: 2) } ?? []
        let titleHeight = titleLines.isEmpty ? 0 : Double(titleLines.count) * canvas.lineHeight(Style.titleFont) + Style.labelPad
        let yLabelSpace = yLabel == nil ? 0 : labelHeight + Style.labelPad
        let xLabelSpace = xLabel == nil ? 0 : labelHeight + Style.labelPad
        let colorBarSpace = showsColorBar ? Style.sideGap + colorBar.width(on: canvas) : 0
        let content = frame.inset(top: pad + titleHeight, left: pad + yLabelSpace, bottom: pad + xLabelSpace,
                                  right: pad + colorBarSpace)
        let layout = bestLayout(in: content, canvas: canvas)

        // The tile block, centred in the content area (including labels that reach left of it).
        let sharedRows = sharesRowLabels, sharedColumns = sharesColumnLabels
        let tileStride = layout.tileWidth + horizontalGap + (sharedRows ? 0 : layout.rowLabelSpace)
        let blockWidth = (sharedRows ? layout.rowLabelSpace : 0) + Double(layout.columns) * tileStride - horizontalGap
        let rowStride = layout.tileTitleHeight + layout.tileHeight + (sharedColumns ? 0 : layout.columnLabelSpace) + verticalGap
        let blockHeight = Double(layout.rows) * rowStride - verticalGap + (sharedColumns ? layout.columnLabelSpace : 0)
        let overflow = max(0, (layout.columnLabels.map(\.leftOverflow).max() ?? 0) - layout.rowLabelSpace)
        let blockX = content.minX + overflow + max(0, (content.width - overflow - blockWidth) / 2)
        let blockY = content.minY + max(0, (content.height - blockHeight) / 2)

        let cellFont = annotationFont(cell: layout.cell, canvas: canvas)
        for (index, map) in maps.enumerated() {
            let row = index / layout.columns, column = index % layout.columns
            let gridX = blockX + layout.rowLabelSpace + Double(column) * tileStride
            let gridY = blockY + Double(row) * rowStride + layout.tileTitleHeight
            let showsRowLabels = !sharedRows || column == 0
            let showsColumnLabels = !sharedColumns || index + layout.columns >= maps.count
            drawCells(map, x: gridX, y: gridY, cell: layout.cell, range: range, font: cellFont, canvas: canvas)
            if showsRowLabels {
                for (i, label) in map.rowLabels.enumerated() {
                    let text = canvas.ellipsized(label, maxWidth: layout.rowLabelSpace - Style.tickPad, font: Style.tickFont, keepingEnd: true)
                    canvas.text(text, x: gridX - Style.tickPad, y: gridY + (Double(i) + 0.5) * layout.cell,
                                font: Style.tickFont, color: Style.text, horizontal: .right, vertical: .middle)
                }
            }
            if showsColumnLabels {
                layout.columnLabels[index].draw(on: canvas, top: gridY + Double(map.rowCount) * layout.cell + Style.tickPad) {
                    gridX + (Double($0) + 0.5) * layout.cell
                }
            }
            if titlesTiles, let tileTitle = map.title {
                let width = Double(map.columnCount) * layout.cell + (showsRowLabels ? 0 : layout.rowLabelSpace)
                let text = canvas.ellipsized(tileTitle, maxWidth: width, font: Style.tileTitleFont, keepingEnd: true)
                canvas.text(text, x: gridX + Double(map.columnCount) * layout.cell / 2, y: gridY - 5,
                            font: Style.tileTitleFont, color: Style.text, horizontal: .center, vertical: .bottom)
            }
        }

        // Title, axis labels and colour bar around the block.
        let gridTop = blockY + layout.tileTitleHeight
        let gridBottom = blockY + Double(layout.rows - 1) * rowStride + layout.tileTitleHeight + layout.tileHeight
        let gridLeft = blockX + layout.rowLabelSpace
        let gridRight = blockX + blockWidth
        var y = frame.minY + pad
        for line in titleLines {
            canvas.text(line, x: (gridLeft + gridRight) / 2, y: y, font: Style.titleFont, color: Style.text,
                        horizontal: .center, vertical: .top)
            y += canvas.lineHeight(Style.titleFont)
        }
        if let xLabel {
            let text = canvas.ellipsized(xLabel, maxWidth: frame.width - 2 * pad, font: Style.labelFont)
            canvas.text(text, x: (gridLeft + gridRight) / 2, y: blockY + blockHeight + Style.labelPad,
                        font: Style.labelFont, color: Style.text, horizontal: .center, vertical: .top)
        }
        if let yLabel {
            let text = canvas.ellipsized(yLabel, maxWidth: blockHeight, font: Style.labelFont)
            canvas.text(text, x: blockX - overflow - Style.labelPad - labelHeight / 2, y: (gridTop + gridBottom) / 2,
                        font: Style.labelFont, color: Style.text, horizontal: .center, vertical: .middle, angle: 90)
        }
        if showsColorBar {
            colorBar.draw(on: canvas, x: gridRight + Style.sideGap, top: gridTop, height: max(gridBottom - gridTop, 40))
        }
    }

    // MARK: Layout

    private var sharesRowLabels: Bool { maps.allSatisfy { $0.rowLabels == maps[0].rowLabels } }
    private var sharesColumnLabels: Bool { maps.allSatisfy { $0.columnLabels == maps[0].columnLabels } }

    /// The column count (given, or the one giving the largest cells) and the sizes for it.
    private func bestLayout(in content: Rect, canvas: Canvas) -> Layout {
        let candidates = columns.map { [min($0, maps.count)] } ?? Array(1...maps.count)
        return candidates.map { layout(columns: $0, in: content, canvas: canvas) }.max { $0.cell < $1.cell }!
    }

    private func layout(columns: Int, in content: Rect, canvas: Canvas) -> Layout {
        let rows = (maps.count + columns - 1) / columns
        let mapRows = maps.map(\.rowCount).max() ?? 1, mapColumns = maps.map(\.columnCount).max() ?? 1
        let rowLabelWidth = maps.flatMap(\.rowLabels).map { canvas.width(of: $0, font: Style.tickFont) }.max() ?? 0
        let rowLabelSpace = rowLabelWidth == 0 ? 0 : min(rowLabelWidth, 0.22 * content.width / Double(sharesRowLabels ? 1 : columns)) + Style.tickPad
        let tileTitleHeight = titlesTiles && maps.contains(where: { $0.title != nil }) ? canvas.lineHeight(Style.tileTitleFont) + 6 : 0
        let leftTotal = sharesRowLabels ? rowLabelSpace : Double(columns) * rowLabelSpace
        let cellWidth = (content.width - leftTotal - Double(columns - 1) * horizontalGap) / Double(columns * mapColumns)
        let labelRows = sharesColumnLabels ? 1.0 : Double(rows)
        let maxLabelHeight = 0.25 * content.height / labelRows

        func fit(slot: Double) -> (labels: [CategoryLabels], space: Double, cell: Double) {
            let labels = maps.map { CategoryLabels($0.columnLabels, slot: slot, maxHeight: maxLabelHeight, canvas: canvas) }
            let hasLabels = maps.contains { !$0.columnLabels.isEmpty }
            let space = hasLabels ? (labels.map(\.height).max() ?? 0) + Style.tickPad : 0
            let available = content.height - Double(rows) * tileTitleHeight - labelRows * space - Double(rows - 1) * verticalGap
            return (labels, space, max(1, min(cellWidth, available / Double(rows * mapRows))))
        }
        var fitted = fit(slot: cellWidth)
        if fitted.cell < cellWidth { fitted = fit(slot: fitted.cell) }
        var layout = Layout(columns: columns, rows: rows, cell: fitted.cell, rowLabelSpace: rowLabelSpace,
                            columnLabels: fitted.labels, columnLabelSpace: fitted.space, tileTitleHeight: tileTitleHeight)
        layout.mapRows = mapRows
        layout.mapColumns = mapColumns
        return layout
    }

    // MARK: Cells

    /// The annotation font for `cell`-sized cells, shrunk so the widest value fits; nil when values
    /// would be too small to read or annotations are off.
    private func annotationFont(cell: Double, canvas: Canvas) -> Font? {
        let texts = maps.flatMap { map in
            map.annotationFormat.map { format in map.values.joined().filter(\.isFinite).map { format.string(for: $0) } } ?? []
        }
        guard !texts.isEmpty else { return nil }
        var font = Font(size: min(14, cell * 0.3))
        let widest = texts.map { canvas.width(of: $0, font: font) }.max() ?? 0
        if widest > cell * 0.86 { font.size *= cell * 0.86 / widest }
        return font.size >= 6.5 ? font : nil
    }

    private func drawCells(_ map: Heatmap, x: Double, y: Double, cell: Double, range: ClosedRange<Double>,
                           font: Font?, canvas: Canvas) {
        for (i, row) in map.values.enumerated() {
            for (j, value) in row.enumerated() {
                let color = value.isFinite ? colormap.color(for: value, in: range) : Style.missing
                let rect = Rect(x: x + Double(j) * cell, y: y + Double(i) * cell, width: cell, height: cell)
                canvas.fill(rect, color: color)
                if let font, let format = map.annotationFormat, value.isFinite {
                    canvas.text(format.string(for: value), x: rect.midX, y: rect.midY, font: font,
                                color: color.contrastingTextColor, horizontal: .center, vertical: .middle)
                }
            }
        }
        guard cell >= 10 else { return }
        let width = Double(map.columnCount) * cell, height = Double(map.rowCount) * cell
        for i in 1..<max(map.rowCount, 1) {
            canvas.line(x, y + Double(i) * cell, x + width, y + Double(i) * cell, color: .white, width: 1.5)
        }
        for j in 1..<max(map.columnCount, 1) {
            canvas.line(x + Double(j) * cell, y, x + Double(j) * cell, y + height, color: .white, width: 1.5)
        }
    }
}
