import Foundation
import Plots
import Testing

@Suite struct HeatmapTests {
    /// The bounding box of non-white pixels: with no labels, title or colour bar, the cell grid.
    static func inkBox(_ image: DecodedPNG) -> (x0: Int, y0: Int, x1: Int, y1: Int) {
        var box = (x0: image.width, y0: image.height, x1: -1, y1: -1)
        for y in 0..<image.height {
            for x in 0..<image.width where image.pixel(x, y) != (255, 255, 255, 255) {
                box = (min(box.x0, x), min(box.y0, y), max(box.x1, x), max(box.y1, y))
            }
        }
        return box
    }

    /// The colour at fraction (fx, fy) of cell (row, column) of an n×m grid drawn in `box`.
    static func cellColor(_ image: DecodedPNG, _ box: (x0: Int, y0: Int, x1: Int, y1: Int), rows: Int, columns: Int,
                          row: Int, column: Int, fx: Double = 0.2, fy: Double = 0.2) -> Color {
        let cellWidth = Double(box.x1 - box.x0 + 1) / Double(columns), cellHeight = Double(box.y1 - box.y0 + 1) / Double(rows)
        let p = image.pixel(box.x0 + Int((Double(column) + fx) * cellWidth), box.y0 + Int((Double(row) + fy) * cellHeight))
        return Color(red: Double(p.r) / 255, green: Double(p.g) / 255, blue: Double(p.b) / 255)
    }

    static let values: [[Double]] = [[0.9, 0.1, 0.4], [0.0, 0.7, 0.2], [0.5, 0.3, 1.0]]

    @Test func cellsFollowTheColormap() throws {
        let map = Heatmap(values: Self.values, annotationFormat: .fixed(1), showsColorBar: false)
        let image = try DecodedPNG(Figure(.heatmap(map), width: 600, height: 600).pngData())
        let box = Self.inkBox(image)
        #expect(abs((box.x1 - box.x0) - (box.y1 - box.y0)) <= 2, "cells are square")
        #expect(close(Self.cellColor(image, box, rows: 3, columns: 3, row: 2, column: 2), Color(hex: 0xfde725), tolerance: 3 / 255))
        #expect(close(Self.cellColor(image, box, rows: 3, columns: 3, row: 1, column: 0), Color(hex: 0x440154), tolerance: 3 / 255))
        // Colours are ordered with values: viridis luminance grows with the value.
        let cells = (0..<9).map { i in
            (value: Self.values[i / 3][i % 3], luminance: Self.cellColor(image, box, rows: 3, columns: 3, row: i / 3, column: i % 3).relativeLuminance)
        }.sorted { $0.value < $1.value }
        #expect(zip(cells, cells.dropFirst()).allSatisfy { $0.luminance < $1.luminance })
    }

    @Test func annotationsContrastWithTheirCells() throws {
        let map = Heatmap(values: Self.values, annotationFormat: .fixed(1), showsColorBar: false)
        let image = try DecodedPNG(Figure(.heatmap(map), width: 600, height: 600).pngData())
        let box = Self.inkBox(image)
        let cell = Double(box.x1 - box.x0 + 1) / 3
        func inkInCentre(row: Int, column: Int) -> (dark: Int, light: Int) {
            var counts = (dark: 0, light: 0)
            let x0 = box.x0 + Int((Double(column) + 0.3) * cell), y0 = box.y0 + Int((Double(row) + 0.3) * cell)
            for y in y0..<(y0 + Int(0.4 * cell)) {
                for x in x0..<(x0 + Int(0.4 * cell)) {
                    let p = image.pixel(x, y)
                    if p.r + p.g + p.b < 60 { counts.dark += 1 }
                    if p.r + p.g + p.b > 700 { counts.light += 1 }
                }
            }
            return counts
        }
        let bright = inkInCentre(row: 2, column: 2), dark = inkInCentre(row: 1, column: 0)
        #expect(bright.dark > 10 && bright.light == 0, "black text on the yellow cell")
        #expect(dark.light > 10, "white text on the dark purple cell")
    }

    @Test func divergingEightByEightMapIsCentred() throws {
        let values = (0..<8).map { i in (0..<8).map { j in i == j ? 1.0 : (i < j ? -0.5 : 0.0) } }
        let map = Heatmap(values: values, colormap: .blueRed, annotationFormat: nil, showsColorBar: false)
        let image = try DecodedPNG(Figure(.heatmap(map), width: 640, height: 640).pngData())
        let box = Self.inkBox(image)
        let cell = { (i: Int, j: Int) in Self.cellColor(image, box, rows: 8, columns: 8, row: i, column: j, fx: 0.5, fy: 0.5) }
        #expect(close(cell(3, 3), Colormap.blueRed.color(at: 1), tolerance: 3 / 255))
        #expect(close(cell(5, 2), Colormap.blueRed.color(at: 0.5), tolerance: 3 / 255), "0 maps to the neutral middle")
        #expect(close(cell(1, 6), Colormap.blueRed.color(at: 0.25), tolerance: 3 / 255), "−0.5 of ±1 is a quarter")
    }

    @Test func smallMultiplesShareOneScale() throws {
        func yellowPixels(scaling: (Int) -> Double) throws -> Int {
            let maps = (0..<8).map { k in
                Heatmap(values: Self.values.map { $0.map { $0 * scaling(k) } }, title: "task \(k)", annotationFormat: nil)
            }
            let image = try DecodedPNG(Figure(.heatmapGrid(HeatmapGrid(maps: maps))).pngData())
            #expect(image.width == 1000 && image.height == 640)
            var count = 0
            for y in 0..<image.height {
                for x in 0..<image.width {
                    let p = image.pixel(x, y)
                    if abs(p.r - 0xfd) + abs(p.g - 0xe7) + abs(p.b - 0x25) < 12 { count += 1 }
                }
            }
            return count
        }
        let identical = try yellowPixels { _ in 1 }
        let fading = try yellowPixels { 1 - 0.1 * Double($0) }
        #expect(identical > 4 * fading, "only the first of 8 fading maps reaches the top colour (\(identical) vs \(fading))")
        #expect(fading > 0)
    }
}
