import Analysis
import Foundation
@testable import Plots
import Testing

@Suite struct DepthProfileFigureTests {
    @Test func demoProfileHasOneLinePerTaskAndShadedMLPLayers() throws {
        let report = try FigureFixtures.demo.get()
        let figure = try #require(Figure.depthProfile(report))
        let image = try FigureChecks.render(figure)
        FigureChecks.expectReadable(image, figure)
        for t in report.taskNames.indices {
            #expect(FigureChecks.count(image, near: Palette.color(t), tolerance: 40) > 40, "task \(t)'s lines and markers")
        }
        let shade = FigureChecks.count(image, near: FigureChecks.overWhite(.gray, opacity: 0.13), tolerance: 2)
        #expect(shade > 20_000, "MLP layers are shaded in all three panels: \(shade) px")
    }

    @Test func seventyTwoLayersAndEightLongNamesRender() throws {
        let report = try FigureFixtures.deepEightTasks.get()
        #expect(report.layers.count == 72)
        let figure = try #require(Figure.depthProfile(report))
        #expect(figure.width >= 1400, "wide enough for 72 layers")
        let image = try FigureChecks.render(figure)
        FigureChecks.expectReadable(image, figure)
        // Tasks 1–4 and 5–8 of the synthetic family write alike, so lines overlap; every task still has its
        // legend entry and some visible ink.
        for t in report.taskNames.indices {
            #expect(FigureChecks.count(image, near: Palette.color(t), tolerance: 40) > 8, "task \(t)'s line")
        }
    }

    @Test func noLayersNoProfile() throws {
        var report = try FigureFixtures.demo.get()
        report.layers = []
        #expect(Figure.depthProfile(report) == nil)
        #expect(Figure.smileSizing(report) == nil)
    }

    @Test func layersAreOrderedAsInTheModel() throws {
        let report = try FigureFixtures.demo.get()
        let ordered = ModuleKind.modelOrder(report.layers.reversed())
        #expect(ordered.map { ModuleKind.tickLabel($0.name) } == ["L0 q", "L0 v", "L0 up", "L0 down", "L1 q", "L1 v", "L1 up", "L1 down"])
    }
}
