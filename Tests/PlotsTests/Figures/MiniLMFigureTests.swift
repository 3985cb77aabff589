import Analysis
import Foundation
import Plots
import Testing

/// Figures of real fine-tunes: all-MiniLM-L6-v2 and three full fine-tunes (skipped without the models).
@Suite(.enabled(if: FigureFixtures.miniLMFolder != nil)) struct MiniLMFigureTests {
    @Test func familyFiguresRender() throws {
        let report = try #require(FigureFixtures.miniLMFull).get()
        #expect(report.layers.count == 3)
        let figures = FigureCatalog.familyFigures(report)
        #expect(figures.count == 5)
        for named in figures {
            FigureChecks.expectReadable(try FigureChecks.render(named.figure), named.figure)
        }
    }

    @Test func squareLayerHasNoTailZone() throws {
        let report = try #require(FigureFixtures.miniLMFull).get()
        let layer = try #require(report.layers.first { $0.name == "encoder.layer.0.attention.self.query.weight" })
        let figure = Figure.energyMaps(layer)
        let image = try FigureChecks.render(figure)
        FigureChecks.expectReadable(image, figure)
        #expect(FigureChecks.count(image, near: Color(hex: 0xd9d9d9), tolerance: 1) > 20_000, "grey tail row and column")
        for named in FigureCatalog.layerFigures(layer) where !named.fileName.hasPrefix("energy-maps") {
            FigureChecks.expectReadable(try FigureChecks.render(named.figure), named.figure)
        }
    }
}
