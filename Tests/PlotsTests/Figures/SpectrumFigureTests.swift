import Analysis
import Foundation
import Plots
import Testing

@Suite struct SpectrumFigureTests {
    @Test func demoLayerShadesBothZonesAndDrawsEverySpectrum() throws {
        let report = try FigureFixtures.demo.get()
        let layer = try #require(report.layers.first { $0.name.contains("layer.0.intermediate") })
        let figure = Figure.spectrum(layer)
        let image = try FigureChecks.render(figure)
        FigureChecks.expectReadable(image, figure)
        #expect(image.width == 1100 && image.height == 480)
        let top = FigureChecks.count(image, near: FigureChecks.overWhite(FigureLabels.ZoneColor.top, opacity: 0.18), tolerance: 3)
        let middle = FigureChecks.count(image, near: FigureChecks.overWhite(FigureLabels.ZoneColor.middle, opacity: 0.14), tolerance: 3)
        #expect(top > 3000, "top zone band: \(top) px")
        #expect(middle > 3 * top, "the middle zone (41 directions) is wider than the top (7): \(middle) vs \(top) px")
        #expect(FigureChecks.count(image, near: .black, tolerance: 40) > 300, "σ(W_pre) is drawn in black")
        for t in layer.tasks.indices {
            #expect(FigureChecks.count(image, near: Palette.color(t), tolerance: 12) > 60, "task \(t)'s spectrum")
        }
    }

    @Test func rendersForOneTwoAndEightTasks() throws {
        for layer in [try FigureFixtures.oneTask.get(), try FigureFixtures.twoTasks.get(), try FigureFixtures.eightTasks.get()] {
            let figure = Figure.spectrum(layer)
            FigureChecks.expectReadable(try FigureChecks.render(figure), figure)
        }
    }
}
