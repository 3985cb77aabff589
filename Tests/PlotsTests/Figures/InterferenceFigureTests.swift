import Analysis
import Foundation
import Plots
import Testing

@Suite struct InterferenceFigureTests {
    @Test func cosineCellsAreBlueWhenNegativeAndRedWhenPositive() throws {
        // Task 4 is −0.8 × task 1 plus noise: a negative cosine; the diagonal is +1.
        let layer = try FigureFixtures.eightTasks.get()
        let cosine = try #require(layer.similarity?.cosine)
        #expect(cosine[0][3] < -0.5)
        let figure = try #require(Figure.interference(layer))
        let image = try FigureChecks.render(figure)
        FigureChecks.expectReadable(image, figure)
        // The cosine map is the middle 30% of the figure.
        let columns = Int(0.3 * Double(image.width))..<Int(0.6 * Double(image.width))
        let blue = FigureChecks.count(image, columns: columns) { r, _, b in b > r + 80 && b > 100 }
        let red = FigureChecks.count(image, columns: columns) { r, _, b in r > b + 80 && r > 90 }
        #expect(blue > 1500, "negative cosines are blue: \(blue) px")
        #expect(red > 3000, "positive cosines (the diagonal) are red: \(red) px")
    }

    @Test func residualCurvesMarkLambdaStar() throws {
        let layer = try FigureFixtures.twoTasks.get()
        #expect(layer.interference?.all.lambdaStar != nil)
        let figure = try #require(Figure.interference(layer))
        let image = try FigureChecks.render(figure)
        FigureChecks.expectReadable(image, figure)
        let curves = Int(0.6 * Double(image.width))..<image.width
        for t in 0..<2 {
            #expect(FigureChecks.count(image, near: Palette.color(t), tolerance: 12, columns: curves) > 150, "Lᵢ(λ) of task \(t)")
        }
    }

    @Test func singleTaskHasNoInterferenceFigure() throws {
        #expect(Figure.interference(try FigureFixtures.oneTask.get()) == nil)
    }

    @Test func modelFigureRenders() throws {
        let figure = try #require(Figure.interference(try FigureFixtures.demo.get()))
        FigureChecks.expectReadable(try FigureChecks.render(figure), figure)
    }
}
