import Foundation
import Testing
@testable import Analysis

/// w* against `reference/task_weights_reference.py` (numpy float64, stacked least squares), and its invariants.
@Suite struct TaskWeightsTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            struct Expected: Decodable {
                var ranks: [[Int]]
                var lambda_star: Double
                var residuals_at_lambda_star: [Double]
                var weights: [Double]
                var residuals_at_weights: [Double]
            }
            var `case`: String
            var ridge: Double
            var layers: [[ReferenceFixture.Array2D]]
            var expected: Expected
        }
        var cases: [Case]
    }

    static func cases() throws -> [Fixture.Case] {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Fixtures.url("merge_plan/task_weights.json"))).cases
    }

    /// The model-level objective of a case, built the way the layer analysis builds it.
    static func model(_ c: Fixture.Case) throws -> TaskInterference {
        let layers = try c.layers.map { layer in
            let updates = layer.map { WeightUpdate.dense($0.matrix) }
            let svds = try updates.map { try $0.singularValueDecomposition(context: c.case) }
            let ranks = svds.map { UpdateSpectrum(singularValues: $0.singularValues.map(Double.init), baseNorm: 1).effectiveRank90 }
            return TaskInterference(updates: updates, decompositions: svds, ranks: ranks, energyFraction: 0.9)
        }
        for (layer, ranks) in zip(layers, c.expected.ranks) { #expect(layer.ranks == ranks, "\(c.case)") }
        return try #require(TaskInterference.combined(layers))
    }

    static func close(_ x: Double, _ y: Double, _ tolerance: Double = 1e-4) -> Bool { abs(x - y) <= tolerance * max(1, abs(y)) }

    @Test func matchesTheNumpyReference() throws {
        for c in try Self.cases() {
            let model = try Self.model(c)
            let tasks = Array(0..<c.expected.weights.count)
            #expect(Self.close(model.all.lambdaStar!, c.expected.lambda_star), "\(c.case) λ*")
            for (x, y) in zip(model.all.residuals, c.expected.residuals_at_lambda_star) { #expect(Self.close(x, y), "\(c.case) L(λ*)") }
            let weights = try #require(model.optimalWeights(of: tasks, ridge: c.ridge))
            for (x, y) in zip(weights.weights, c.expected.weights) { #expect(Self.close(x, y), "\(c.case) w*: \(weights.weights) vs \(c.expected.weights)") }
            for (x, y) in zip(weights.residuals, c.expected.residuals_at_weights) { #expect(Self.close(x, y), "\(c.case) L(w*)") }
            #expect(weights.unseenDirections == (c.case.hasPrefix("duplicate") ? 1 : 0), "\(c.case)")
        }
    }

    @Test func weightsNeverDoWorseThanTheUniformScaleAndAreStationary() throws {
        for c in try Self.cases() where c.ridge == 0 {
            let model = try Self.model(c)
            let tasks = Array(0..<c.expected.weights.count)
            let w = try #require(model.optimalWeights(of: tasks))
            let total = { (x: [Double]) in model.residuals(of: tasks, weights: x).reduce(0, +) }
            #expect(total(w.weights) <= model.all.residuals.reduce(0, +) + 1e-12)
            for p in tasks {
                for step in [-1e-3, 1e-3] {
                    var moved = w.weights
                    moved[p] += step
                    #expect(total(w.weights) <= total(moved) + 1e-12, "\(c.case) task \(p)")
                }
            }
        }
    }

    @Test func uniformWeightsReproduceTheLambdaStarResiduals() throws {
        let model = try Self.model(try Self.cases()[0])
        let lambda = try #require(model.all.lambdaStar)
        let viaWeights = model.residuals(of: [0, 1, 2], weights: [lambda, lambda, lambda])
        for (x, y) in zip(viaWeights, model.all.residuals) { #expect(abs(x - y) < 1e-12) }
    }

    @Test func aLargeRidgeGivesTheUniformScaleBack() throws {
        let model = try Self.model(try Self.cases()[0])
        let w = try #require(model.optimalWeights(of: [0, 1, 2], ridge: 1e9))
        for x in w.weights { #expect(abs(x - model.all.lambdaStar!) < 1e-6) }
    }

    @Test func orthogonalUpdatesGetWeightOne() throws {
        var a = MatrixF(zeros: 4, 4), b = MatrixF(zeros: 4, 4)
        a[0, 0] = 1; a[1, 1] = 0.5
        b[2, 2] = 2; b[3, 3] = 1
        let updates: [WeightUpdate] = [.dense(a), .dense(b)]
        let svds = try updates.map { try $0.singularValueDecomposition(context: "t") }
        let model = TaskInterference(updates: updates, decompositions: svds, ranks: [2, 2], energyFraction: 0.9)
        let w = try #require(model.optimalWeights(of: [0, 1]))
        for x in w.weights { #expect(abs(x - 1) < 1e-6) }
        for x in w.residuals { #expect(abs(x) < 1e-9) }
    }

    @Test func allZeroUpdatesHaveNoWeights() {
        let zero = Array(repeating: Array(repeating: Array(repeating: 0.0, count: 2), count: 2), count: 2)
        #expect(TaskInterference(gram: zero, ranks: [0, 0], energyFraction: 0.9).optimalWeights(of: [0, 1]) == nil)
    }
}
