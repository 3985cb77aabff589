import Analysis
import Foundation
import Plots
import Testing

@Suite struct EnergyMapFigureTests {
    @Test func fullestCellIsViridisTopAndEmptyBlocksAreGrey() throws {
        let report = try FigureFixtures.demo.get()
        let layer = try #require(report.layers.first { $0.name.contains("layer.0.attention.self.query") })
        let figure = Figure.energyMaps(layer)
        let image = try FigureChecks.render(figure)
        FigureChecks.expectReadable(image, figure)
        // alpha puts all its energy into middle × middle: that cell is the top of the colour scale.
        let yellow = FigureChecks.count(image, near: Color(hex: 0xfde725), tolerance: 3)
        #expect(yellow > 2500, "viridis' top colour fills the largest cell: \(yellow) px")
        // A square weight has no null space: the tail row and column are grey, in both grids.
        #expect(FigureChecks.count(image, near: Color(hex: 0xd9d9d9), tolerance: 1) > 20_000)
        // gamma's top × top is far above chance: a saturated red cell in the ratio grid.
        #expect(FigureChecks.count(image, near: Color(hex: 0x67001f), tolerance: 4) > 2500)
    }

    @Test func rendersForTheModelAndForEightLongNames() throws {
        let report = try FigureFixtures.demo.get()
        for figure in [Figure.energyMaps(report), .energyMaps(try FigureFixtures.eightTasks.get()), .energyMaps(try FigureFixtures.oneTask.get())] {
            FigureChecks.expectReadable(try FigureChecks.render(figure), figure)
        }
    }
}
