import Analysis
import Foundation
import Plots
import Testing

@Suite struct ZoneEnergyFigureTests {
    @Test func barsFollowWhereEachDemoTaskWrites() throws {
        // alpha writes into middle × middle, beta (LoRA) into tail × middle, gamma mostly into top × top.
        let report = try FigureFixtures.demo.get()
        let layer = try #require(report.layers.first { $0.name.contains("layer.0.intermediate") })
        let figure = Figure.zoneEnergy(layer)
        let image = try FigureChecks.render(figure)
        FigureChecks.expectReadable(image, figure)
        let bars = { (color: Color) in FigureChecks.columnRuns(image, of: color, minimumWidth: 40, minimumHeight: 20) }
        let top = bars(FigureLabels.ZoneColor.top), middle = bars(FigureLabels.ZoneColor.middle), tail = bars(FigureLabels.ZoneColor.tail)
        #expect(top.count == 1, "only gamma has top × top energy")
        #expect(middle.count == 2, "alpha and gamma have middle × middle energy")
        #expect(tail.count == 1, "beta writes into the null space")
        if let gamma = top.first, let alpha = middle.first, let beta = tail.first {
            #expect(alpha.range.upperBound <= beta.range.lowerBound && beta.range.upperBound <= gamma.range.lowerBound, "bars in task order")
        }
    }

    @Test func rendersForTheModelAndForEightLongNames() throws {
        let report = try FigureFixtures.demo.get()
        for figure in [Figure.zoneEnergy(report), .zoneEnergy(try FigureFixtures.eightTasks.get()), .zoneEnergy(try FigureFixtures.oneTask.get())] {
            FigureChecks.expectReadable(try FigureChecks.render(figure), figure)
        }
    }
}
