import Foundation
import Testing
@testable import Analysis

/// A case of `Tests/AnalysisTests/Fixtures/method_residuals/`, written by
/// `reference/method_residuals_reference.py` (numpy float64: per layer and method the sums aᵢ, bᵢ, dᵢ;
/// per model A, B, D, L̄ at a few coefficients, c* and L̄(c*)).
struct MethodResidualFixture: Decodable {
    struct Sums: Decodable { var a: [Double]; var b: [Double]; var d: [Double] }
    struct Layer: Decodable {
        var base: MergeFixture.Array2D
        var updates: [MergeFixture.Array2D]?
        var lora: [MergeFixture.LoRA]?
        var ranks: [Int]
        var sums: [String: Sums]
        var weightUpdates: [WeightUpdate] {
            if let lora { return lora.map { .lowRank(b: $0.b.matrix, a: $0.a.matrix, scale: Float($0.scale)) } }
            return updates!.map { .dense($0.matrix) }
        }
    }
    struct Model: Decodable {
        var A: [Double]; var B: [Double]; var D: [Double]
        var residuals: [String: Double]
        var best_coefficient: Double
        var best_residual: Double
    }
    var `case`: String
    var kind: String
    var coefficients: [Double]
    var layers: [Layer]
    var model: [String: Model]

    static func all() throws -> [MethodResidualFixture] {
        let folder = Fixtures.url("method_residuals")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted().map {
            try JSONDecoder().decode(MethodResidualFixture.self, from: Data(contentsOf: folder.appendingPathComponent($0)))
        }
    }
}

/// Every merging method's residual sums against the numpy float64 reference, and their invariants.
///
/// Tolerance: |Δ| ≤ 1e-4 · max(|expected|, dᵢ) per sum, and 1e-4 · max(1, |expected|) on residuals and c*:
/// the subspaces Pᵢ come from float32 SVDs (the fast Gram paths or LAPACK), the merges from float32 SVDs of
/// side ≤ 24; the observed error is below 1e-5 of these scales.
struct MethodResidualTests {
    static let tolerance = 1e-4
    static let names = ["alpha", "beta", "gamma"]

    /// The layers of a fixture analysed with the per-method sums switched on.
    static func analysed(_ fixture: MethodResidualFixture, compute: ComputeSettings = ComputeSettings()) throws -> [LayerAnalysis] {
        var settings = compute
        settings.methodResiduals = true
        let analyzer = LayerAnalyzer(options: AnalysisOptions(computeIntruders: false), compute: settings)
        return try fixture.layers.enumerated().map { index, layer in
            try analyzer.analyze(name: "layer\(index).weight", base: layer.base.matrix, updates: layer.weightUpdates, taskNames: names)
        }
    }

    static func close(_ got: Double, _ expected: Double, scale: Double = 1) -> Bool {
        abs(got - expected) <= tolerance * Swift.max(scale, abs(expected))
    }

    @Test(arguments: [ComputeSettings(), ComputeSettings.reference])
    func layerAndModelSumsMatchTheReference(compute: ComputeSettings) throws {
        let fixtures = try MethodResidualFixture.all()
        #expect(fixtures.map(\.kind) == ["dense", "lora"])
        for fixture in fixtures {
            let layers = try Self.analysed(fixture, compute: compute)
            for (layer, expected) in zip(layers, fixture.layers) {
                #expect(layer.interference?.ranks == expected.ranks, "\(fixture.case) \(layer.name): Pᵢ ranks")
                let sums = try #require(layer.methodResiduals)
                #expect(sums.methods.map(\.method) == MergeMethod.allCases)
                for method in sums.methods {
                    let reference = try #require(expected.sums[method.method.rawValue])
                    for i in Self.names.indices {
                        let scale = reference.d[i]
                        #expect(Self.close(method.a[i], reference.a[i], scale: scale), "\(fixture.case) \(layer.name) \(method.method) a[\(i)] \(method.a[i]) vs \(reference.a[i])")
                        #expect(Self.close(method.b[i], reference.b[i], scale: scale), "\(fixture.case) \(layer.name) \(method.method) b[\(i)] \(method.b[i]) vs \(reference.b[i])")
                        #expect(Self.close(method.d[i], reference.d[i], scale: scale), "\(fixture.case) \(layer.name) \(method.method) d[\(i)]")
                    }
                }
            }
            let model = try #require(MethodResidualSums.combined(layers.compactMap(\.methodResiduals)))
            for method in model.methods {
                let reference = try #require(fixture.model[method.method.rawValue])
                for i in Self.names.indices {
                    #expect(Self.close(method.a[i], reference.A[i], scale: reference.D[i]))
                    #expect(Self.close(method.b[i], reference.B[i], scale: reference.D[i]))
                    #expect(Self.close(method.d[i], reference.D[i]))
                }
                for c in fixture.coefficients {
                    let got = MethodResidualTable.mean(MethodResidualTable.residuals(method, at: c))
                    let expected = try #require(reference.residuals[c == 0 ? "0.0" : "\(c)"])
                    #expect(Self.close(got, expected), "\(fixture.case) \(method.method) L(\(c)) \(got) vs \(expected)")
                }
                let best = try #require(MethodResidualTable.bestCoefficient(method))
                #expect(Self.close(best, reference.best_coefficient), "\(fixture.case) \(method.method) c* \(best) vs \(reference.best_coefficient)")
                #expect(Self.close(MethodResidualTable.mean(MethodResidualTable.residuals(method, at: best)), reference.best_residual))
            }
        }
    }

    /// L̄(0) = 1; c* minimises L̄; for task arithmetic the sums are the interference objective's aᵢ, bᵢ, cᵢ
    /// and c* is its λ* (the same quadratic); a zero update has no subspace and is left out of the mean.
    @Test func invariantsHold() throws {
        for fixture in try MethodResidualFixture.all() {
            let layers = try Self.analysed(fixture)
            let table = MethodResidualTable(
                sums: MethodResidualSums.combined(layers.compactMap(\.methodResiduals))!, layers: layers.count, taskNames: Self.names,
                energyFraction: 0.9, kinds: Array(repeating: fixture.kind == "lora" ? .lora : .full, count: 3), base: "base", models: Self.names)
            let sums = MethodResidualSums.combined(layers.compactMap(\.methodResiduals))!
            for (row, method) in zip(table.rows, sums.methods) {
                #expect(MethodResidualTable.residuals(method, at: 0).allSatisfy { $0 == 1 })
                let best = try #require(row.bestCoefficient), bestResidual = try #require(row.bestResidual)
                for step in [-0.05, -0.001, 0.001, 0.05] {
                    #expect(bestResidual <= MethodResidualTable.mean(MethodResidualTable.residuals(method, at: best + step)) + 1e-12)
                }
                #expect(row.expectedKept == nil || row.method == .taskArithmetic)
            }
            let interference = try #require(TaskInterference.combined(layers.compactMap(\.interference))).all
            let ta = sums.methods[0]
            for i in Self.names.indices {
                #expect(Self.close(ta.a[i], interference.a[i], scale: 1e-4 * interference.c[i]) || Self.close(ta.a[i], interference.a[i]))
                #expect(Self.close(ta.b[i], interference.b[i], scale: interference.c[i]))
                #expect(Self.close(ta.d[i], interference.c[i]))
            }
            #expect(abs(table.rows[0].bestCoefficient! - interference.lambdaStar!) <= 1e-4 * interference.lambdaStar!)
            #expect(abs(table.rows[0].bestResidual! - interference.meanResidual) <= 1e-4)
            #expect(table.rows[0].expectedKept == RetentionEstimate(worstResidual: table.rows[0].bestResiduals!.compactMap { $0 }.max()!))
        }
        // A task with a zero update: no subspace, no residual, left out of the mean and of c*.
        let fixture = try MethodResidualFixture.all()[0]
        var updates = fixture.layers[0].weightUpdates
        updates[2] = .dense(MatrixF(zeros: updates[0].shape.rows, updates[0].shape.columns))
        var compute = ComputeSettings()
        compute.methodResiduals = true
        let layer = try LayerAnalyzer(options: AnalysisOptions(computeIntruders: false), compute: compute)
            .analyze(name: "zero", base: fixture.layers[0].base.matrix, updates: updates, taskNames: Self.names)
        for method in try #require(layer.methodResiduals).methods {
            #expect(method.a[2] == 0 && method.b[2] == 0 && method.d[2] == 0)
            #expect(MethodResidualTable.residuals(method, at: 1)[2] == nil)
        }
    }

    /// The recommendation and its command come from ``MergeRecommendation`` and ``MergeCommandLine``, not
    /// from the table; sums are computed only when asked for.
    @Test func recommendationIsConsumedAndSumsAreOptIn() throws {
        let fixture = try MethodResidualFixture.all()[1]
        let layers = try Self.analysed(fixture)
        let kinds: [ModelKind] = [.lora, .lora, .lora]
        let table = MethodResidualTable(sums: MethodResidualSums.combined(layers.compactMap(\.methodResiduals))!, layers: 2, taskNames: Self.names,
                                        energyFraction: 0.9, kinds: kinds, base: "base dir", models: Self.names)
        let recommended = MergeRecommendation.recommended(kinds: kinds)
        #expect(table.recommendation == recommended)
        #expect(table.command == MergeCommandLine.merge(base: "base dir", models: Self.names, method: recommended.method, coefficient: recommended.coefficient))
        #expect(table.command.hasPrefix("smile-inspect merge --base 'base dir' --models alpha beta gamma --method \(recommended.method.rawValue)"))
        #expect(table.rows.map(\.coefficient) == MergeMethod.allCases.map { $0.defaultCoefficient(allLoRA: true) })
        let plain = try LayerAnalyzer(options: AnalysisOptions(computeIntruders: false))
            .analyze(name: "plain", base: fixture.layers[0].base.matrix, updates: fixture.layers[0].weightUpdates, taskNames: Self.names)
        #expect(plain.methodResiduals == nil)
        #expect(MethodResidualSums.lacking(in: [plain, layers[0]]) == ["plain"])
    }
}
