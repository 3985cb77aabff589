import Analysis
import Foundation
import Plots
import Testing

@Suite struct ModeEnergyFigureTests {
    @Test func oneStackedBarPerModeAndUpdatedTask() throws {
        let report = try FigureFixtures.demo.get()
        let tensor = try #require(report.tensors.first)
        #expect(tensor.shape == [16, 8, 3, 3])
        let figure = Figure.modeEnergy(tensor)
        let image = try FigureChecks.render(figure)
        FigureChecks.expectReadable(image, figure)
        // beta is a LoRA adapter that leaves the convolution alone: 4 modes × (alpha, gamma) bars.
        let updated = tensor.tasks.filter { $0.norm > 0 }.count
        #expect(updated == 2)
        let top = FigureChecks.columnRuns(image, of: FigureLabels.ZoneColor.top, minimumWidth: 22, minimumHeight: 10)
        #expect(top.count == tensor.modes.count * updated, "\(top.count) top-zone bars")
    }

    @Test func rendersEightLongTaskNames() throws {
        let report = try FigureFixtures.demo.get()
        var tensor = try #require(report.tensors.first)
        tensor.tasks = FigureFixtures.longNames.indices.map { i in
            var task = tensor.tasks[i % 3]
            task.task = FigureFixtures.longNames[i]
            return task
        }
        let figure = Figure.modeEnergy(tensor)
        FigureChecks.expectReadable(try FigureChecks.render(figure), figure)
    }
}
