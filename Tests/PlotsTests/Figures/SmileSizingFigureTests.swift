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
        // The trade-off panel (right 28%) draws the allocation (green) and uniform-k (purple) curves.
        let right = Int(Double(image.width) * 0.72)..<image.width
        #expect(FigureChecks.count(image, near: Color(hex: 0x55a868), columns: right) > 100)
        #expect(FigureChecks.count(image, near: Color(hex: 0x8172b2), columns: right) > 50)
        #expect(FigureChecks.count(image, near: Color(hex: 0x55a868), columns: 0..<right.lowerBound) == 0)
    }

    @Test func sizingCurvesTradeEnergyForOverhead() throws {
        let sizing = try FigureFixtures.demo.get().summary.smile
        for curve in [sizing.uniformCurve, sizing.allocationCurve] {
            #expect(curve.count >= 2)
            #expect(zip(curve, curve.dropFirst()).allSatisfy { $0.overhead <= $1.overhead && $0.energyKept <= $1.energyKept + 1e-12 })
            #expect(abs((curve.last?.energyKept ?? 0) - 1) < 1e-9, "every rank kept keeps all the energy")
        }
        // At the same largest overhead both reach full energy; below it no uniform k beats the allocation's frontier.
        for point in sizing.uniformCurve {
            let next = sizing.allocationCurve.first { $0.overhead >= point.overhead - 1e-12 }
            #expect((next?.energyKept ?? 1) >= point.energyKept - 1e-9)
        }
    }

    @Test func rendersForOneAndEightTasks() throws {
        for layer in [try FigureFixtures.oneTask.get(), try FigureFixtures.eightTasks.get()] {
            let figure = Figure.smileSizing(layer)
            FigureChecks.expectReadable(try FigureChecks.render(figure), figure)
        }
    }
}
