import Foundation
import Plots
import Testing

@Suite struct ChartRenderingTests {
    static let sizes: [String: (Int, Int)] = ["dashboard": (1200, 900), "stress": (900, 700)]

    /// Every chart kind renders at the expected size, is not blank, and keeps everything inside the
    /// image (a white border ring: no label or legend spills off the canvas).
    @Test(arguments: SampleFigures.all.map(\.name))
    func rendersNonBlankImage(name: String) throws {
        let figure = try #require(SampleFigures.all.first { $0.name == name }).figure
        let image = try DecodedPNG(figure.pngData())
        let (width, height) = Self.sizes[name] ?? (1000, 640)
        #expect(image.width == width && image.height == height)
        #expect(image.distinctColors > 50, "only \(image.distinctColors) colours")
        #expect((0.03...0.85).contains(image.nonWhiteFraction), "non-white fraction \(image.nonWhiteFraction)")
        var touching = 0
        for x in 0..<image.width {
            for y in [0, 1, image.height - 2, image.height - 1] where image.pixel(x, y) != (255, 255, 255, 255) { touching += 1 }
        }
        for y in 0..<image.height {
            for x in [0, 1, image.width - 2, image.width - 1] where image.pixel(x, y) != (255, 255, 255, 255) { touching += 1 }
        }
        #expect(touching == 0, "\(touching) border pixels are drawn on")
    }

    @Test func scaleMultipliesThePixelSize() throws {
        var figure = SampleFigures.spectrum
        figure.scale = 2
        let image = try DecodedPNG(figure.pngData())
        #expect(image.width == 2000 && image.height == 1280)
    }

    @Test func gridAndExplicitPlacementsRender() throws {
        var figure = Figure(width: 800, height: 500, title: "Placement")
        figure.add(SampleFigures.spectrum.panels[0].panel, at: .cell(row: 0, column: 0, rowSpan: 2))
        figure.add(SampleFigures.groupedBars.panels[0].panel, at: .cell(row: 0, column: 1))
        figure.add(SampleFigures.energyMap.panels[0].panel, at: .frame(Rect(x: 0.5, y: 0.5, width: 0.5, height: 0.5)))
        let image = try DecodedPNG(figure.pngData())
        #expect(image.width == 800 && image.height == 500)
        #expect(image.distinctColors > 50)
    }

    @Test func inconsistentDataIsReported() {
        let line = Figure(.axes(Axes(marks: [.line(Line(x: [1, 2, 3], y: [1, 2], label: "short"))])))
        #expect(throws: PlotError.invalidData("line “short”: x has 3 values but y has 2")) { try line.pngData() }
        let bars = Figure(.axes(Axes(marks: [.bars(BarChart(categories: ["a", "b"], series: [BarSeries(values: [1])]))])))
        #expect(throws: PlotError.self) { try bars.pngData() }
        let ragged = Figure(.heatmap(Heatmap(values: [[1, 2], [3]])))
        #expect(throws: PlotError.invalidData("heatmap has rows of different lengths")) { try ragged.pngData() }
        let logLimits = Figure(.axes(Axes(yScale: .log10).with { $0.yLimits = -1...1 }))
        #expect(throws: PlotError.self) { try logLimits.pngData() }
        #expect(throws: PlotError.invalidSize(width: 0, height: 640, scale: 1)) { try Figure(width: 0).pngData() }
    }

    @Test func emptyAndDegenerateDataStillRender() throws {
        var axes = Axes(title: "Nothing to see", yScale: .log10)
        axes.add(.line(Line(x: [1, 2, 3], y: [0, -1, .nan], label: "not drawable on a log axis")))
        axes.add(.scatter(Scatter(x: [5], y: [5])))
        _ = try DecodedPNG(Figure(.axes(axes)).pngData())
        _ = try DecodedPNG(Figure(.heatmap(Heatmap(values: [[.nan, 2], [2, 2]]))).pngData())
    }
}

extension Axes {
    /// A modified copy, for building test inputs inline.
    func with(_ change: (inout Axes) -> Void) -> Axes {
        var copy = self
        change(&copy)
        return copy
    }
}
