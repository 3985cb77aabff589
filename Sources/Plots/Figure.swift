import Analysis
import CCairo
import Foundation

/// A white canvas holding one or more panels, laid out in a grid or at explicit rectangles, with an
/// optional title; rendered to PNG deterministically (same figure → same bytes).
///
/// Sizes are in points; the PNG has `width × scale` by `height × scale` pixels, so `scale: 2` gives a
/// high-resolution image with the same layout.
public struct Figure: Sendable {
    /// Where a panel goes.
    public enum Placement: Sendable {
        /// The next free grid cell, row by row.
        case next
        /// A grid cell (0-based), optionally spanning several rows and columns.
        case cell(row: Int, column: Int, rowSpan: Int = 1, columnSpan: Int = 1)
        /// A rectangle in fractions (0…1) of the area below the figure title.
        case frame(Rect)
    }

    /// Width in points.
    public var width: Double
    /// Height in points.
    public var height: Double
    /// Pixels per point (a DPI factor): 1 for 100% size, 2 for high resolution.
    public var scale: Double
    /// Title above all panels (wrapped onto two lines, then ellipsized).
    public var title: String?
    /// Number of grid rows; nil derives it from the panels and ``columns``.
    public var rows: Int?
    /// Number of grid columns; nil derives it (close to square) from the panel count.
    public var columns: Int?
    /// The panels and where they go, in drawing order.
    public private(set) var panels: [(panel: Panel, placement: Placement)] = []

    /// An empty figure, by default 1000 × 640 points at scale 1 (1000 × 640 pixels).
    public init(width: Double = 1000, height: Double = 640, scale: Double = 1, title: String? = nil,
                rows: Int? = nil, columns: Int? = nil) {
        self.width = width
        self.height = height
        self.scale = scale
        self.title = title
        self.rows = rows
        self.columns = columns
    }

    /// A figure with one panel filling it.
    public init(_ panel: Panel, width: Double = 1000, height: Double = 640, scale: Double = 1, title: String? = nil) {
        self.init(width: width, height: height, scale: scale, title: title)
        add(panel)
    }

    /// Adds `panel` at `placement` (by default the next free grid cell).
    public mutating func add(_ panel: Panel, at placement: Placement = .next) {
        panels.append((panel, placement))
    }

    /// The figure as PNG bytes.
    public func pngData() throws(PlotError) -> Data {
        let pixelWidth = (width * scale).rounded(), pixelHeight = (height * scale).rounded()
        guard pixelWidth >= 1, pixelHeight >= 1, pixelWidth <= 32767, pixelHeight <= 32767, scale > 0 else {
            throw .invalidSize(width: width, height: height, scale: scale)
        }
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(pixelWidth), Int32(pixelHeight)) else {
            throw .renderingFailed("cannot create a \(Int(pixelWidth))×\(Int(pixelHeight)) image")
        }
        defer { cairo_surface_destroy(surface) }
        guard let context = cairo_create(surface) else { throw .renderingFailed("cannot create a drawing context") }
        defer { cairo_destroy(context) }
        let canvas = Canvas(context: context, scale: scale)
        try draw(on: canvas)
        if let message = canvas.errorMessage { throw .renderingFailed(message) }
        cairo_surface_flush(surface)
        return try PNGEncoder.encode(surface)
    }

    /// Writes the figure as a PNG to `url` atomically: the bytes go to a temporary file in the same
    /// directory, which is flushed to disk and then renamed over `url`, so readers never see a partial
    /// file and a failure leaves no temporary file behind.
    public func writePNG(to url: URL) throws(PlotError) {
        let data = try pngData()
        do {
            try AtomicFile.write(data: data, to: url)
        } catch let CheckpointError.unwritable(_, reason) {
            throw .cannotWrite(path: url.path, reason: reason)
        } catch {
            throw .cannotWrite(path: url.path, reason: "\(error)")
        }
    }

    // MARK: Drawing

    private func draw(on canvas: Canvas) throws(PlotError) {
        canvas.fill(Rect(x: 0, y: 0, width: width, height: height), color: .white)
        let pad = Style.padding
        var top = 0.0
        if let title {
            let lines = canvas.wrapped(title, maxWidth: width - 4 * pad, font: Style.figureTitleFont, maxLines: 2)
            var y = pad + 2
            for line in lines {
                canvas.text(line, x: width / 2, y: y, font: Style.figureTitleFont, color: Style.text,
                            horizontal: .center, vertical: .top)
                y += canvas.lineHeight(Style.figureTitleFont)
            }
            top = y + 2
        }
        let area = Rect(x: pad / 2, y: top + pad / 2, width: width - pad, height: height - top - pad)
        for (panel, frame) in try frames(in: area) {
            try panel.draw(on: canvas, in: frame)
        }
    }

    /// Each panel with its frame inside `area`.
    private func frames(in area: Rect) throws(PlotError) -> [(Panel, Rect)] {
        let automatic = panels.filter { if case .next = $0.placement { true } else { false } }.count
        var gridRows = 1, gridColumns = 1
        for case let (_, .cell(row, column, rowSpan, columnSpan)) in panels {
            guard row >= 0, column >= 0, rowSpan >= 1, columnSpan >= 1 else {
                throw .invalidData("invalid grid cell (row \(row), column \(column), span \(rowSpan)×\(columnSpan))")
            }
            gridRows = max(gridRows, row + rowSpan)
            gridColumns = max(gridColumns, column + columnSpan)
        }
        if let columns { gridColumns = max(gridColumns, columns) } else if let rows, automatic > 0 {
            gridColumns = max(gridColumns, (automatic + rows - 1) / rows)
        } else if automatic > 0 {
            gridColumns = max(gridColumns, Int(Double(automatic).squareRoot().rounded(.up)))
        }
        gridRows = max(gridRows, rows ?? 1, (automatic + gridColumns - 1) / gridColumns)

        var occupied = Set<Int>()
        for case let (_, .cell(row, column, rowSpan, columnSpan)) in panels {
            for r in row..<(row + rowSpan) { for c in column..<(column + columnSpan) { occupied.insert(r * gridColumns + c) } }
        }
        let cellWidth = area.width / Double(gridColumns), cellHeight = area.height / Double(gridRows)
        func cellRect(_ row: Int, _ column: Int, _ rowSpan: Int, _ columnSpan: Int) -> Rect {
            Rect(x: area.x + Double(column) * cellWidth, y: area.y + Double(row) * cellHeight,
                 width: Double(columnSpan) * cellWidth, height: Double(rowSpan) * cellHeight)
        }
        var nextCell = 0
        return try panels.map { panel, placement throws(PlotError) in
            switch placement {
            case .next:
                while occupied.contains(nextCell) { nextCell += 1 }
                guard nextCell < gridRows * gridColumns else {
                    throw .invalidData("\(panels.count) panels do not fit a \(gridRows)×\(gridColumns) grid")
                }
                occupied.insert(nextCell)
                return (panel, cellRect(nextCell / gridColumns, nextCell % gridColumns, 1, 1))
            case let .cell(row, column, rowSpan, columnSpan):
                return (panel, cellRect(row, column, rowSpan, columnSpan))
            case .frame(let fraction):
                return (panel, Rect(x: area.x + fraction.x * area.width, y: area.y + fraction.y * area.height,
                                    width: fraction.width * area.width, height: fraction.height * area.height))
            }
        }
    }
}
