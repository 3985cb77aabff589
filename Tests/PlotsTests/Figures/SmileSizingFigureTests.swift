import Analysis
import Foundation
import Plots
import Testing

@Suite struct SmileSizingFigureTests {
    @Test func layerFigureHasACurveAndABarPerTask() throws {
        let report = try FigureFixtures.demo.get()
        let layer = try #require(report.layers.first { $0.name.contains("layer.0.intermediate") })
        let figure = Figure.smileSizing(layer)
        let image = try FigureChecks.render(figure)
        FigureChecks.expectReadable(image, figure)
        for t in layer.tasks.indices {
            let bars = FigureChecks.columnRuns(image, of: Palette.color(t), minimumWidth: 30, minimumHeight: 10)
                .filter { $0.range.lowerBound > image.width / 2 }
            #expect(bars.count == 1, "one bar for task \(t) in the cost panel")
        }
    }

    @Test func familyFigureComparesTheThreeTotals() throws {
        let report = try FigureFixtures.demo.get()
        let figure = try #require(Figure.smileSizing(report))
        let image = try FigureChecks.render(figure)
        FigureChecks.expectReadable(image, figure)
        var heights: [Int] = []
        for hex: UInt32 in [0x8c8c8c, 0x4c72b0, 0xc44e52] {
            let runs = FigureChecks.columnRuns(image, of: Color(hex: hex), minimumWidth: 30, minimumHeight: 2)
            #expect(runs.count == 1, "one bar of colour \(String(hex, radix: 16))")
            heights.append(runs.first.map { $0.pixels / max($0.range.count, 1) } ?? 0)
        }
        // Keeping T = 3 full copies costs 3× the base layers.
        #expect(heights.count == 3 && abs(Double(heights[2]) / Double(max(heights[0], 1)) - 3) < 0.1)
    }

    @Test func rendersForOneAndEightTasks() throws {
        for layer in [try FigureFixtures.oneTask.get(), try FigureFixtures.eightTasks.get()] {
            let figure = Figure.smileSizing(layer)
            FigureChecks.expectReadable(try FigureChecks.render(figure), figure)
        }
    }
}
