import Analysis
import Foundation
import Plots
import Testing

@Suite struct FigureCatalogTests {
    @Test func layerFileNamesFollowTheLayer() throws {
        let layer = try #require(try FigureFixtures.demo.get().layers.first)
        #expect(layer.name == "encoder.layer.0.attention.self.query.weight")
        let names = FigureCatalog.layerFigures(layer).map(\.fileName)
        #expect(names == [
            "spectrum-encoder.layer.0.attention.self.query.png", "zone-energy-encoder.layer.0.attention.self.query.png",
            "energy-maps-encoder.layer.0.attention.self.query.png", "interference-encoder.layer.0.attention.self.query.png",
            "smile-sizing-encoder.layer.0.attention.self.query.png",
        ])
    }

    @Test func singleTaskSkipsInterference() throws {
        let names = FigureCatalog.layerFigures(try FigureFixtures.oneTask.get()).map(\.fileName)
        #expect(names.count == 4)
        #expect(!names.contains { $0.hasPrefix("interference-") })
    }

    @Test func familyFigures() throws {
        let names = FigureCatalog.familyFigures(try FigureFixtures.demo.get()).map(\.fileName)
        #expect(names == [
            "model-depth-profile.png", "model-smile-sizing.png", "model-zone-energy.png", "model-energy-maps.png",
            "model-interference.png", "mode-energy-stem.conv.png",
        ])
    }

    @Test func everyDemoFigureRendersDeterministically() throws {
        let report = try FigureFixtures.demo.get()
        let figures = FigureCatalog.familyFigures(report) + FigureCatalog.layerFigures(report.layers[2])
        for named in figures {
            let data = try named.figure.pngData()
            FigureChecks.expectReadable(try DecodedPNG(data), named.figure)
            #expect(try named.figure.pngData() == data, "\(named.fileName) is deterministic")
        }
    }
}

@Suite struct ZeroUpdateFigureTests {
    @Test func aTaskThatLeftTheLayerAloneStillRenders() throws {
        let layer = try FigureFixtures.withZeroUpdate.get()
        #expect(layer.tasks[1].energy.isZeroUpdate)
        let figures = FigureCatalog.layerFigures(layer)
        #expect(figures.count == 5)
        for named in figures {
            FigureChecks.expectReadable(try FigureChecks.render(named.figure), named.figure)
        }
    }
}
