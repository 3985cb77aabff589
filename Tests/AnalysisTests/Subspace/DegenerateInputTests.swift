import Testing
@testable import Analysis

/// Degenerate inputs give defined, documented results (issue: hardening).
@Suite struct DegenerateInputTests {
    let analyzer = LayerAnalyzer()

    @Test func rankDeficientRectangularBaseWarnsAboutTheMiddleTailSplit() throws {
        // 10×6 of rank 3: three zero singular values inside r = 6.
        let w = RandomMatrices.gaussian(10, 3, seed: 1) * RandomMatrices.gaussian(3, 6, seed: 2)
        let result = try analyzer.analyze(name: "w", base: w, updates: [.dense(RandomMatrices.gaussian(10, 6, seed: 3))], taskNames: ["t"])
        #expect(result.numericalRank == 3)
        #expect(result.warnings.contains { $0.contains("basis-dependent") })
        #expect(abs(result.tasks[0].energy.energy.joined().reduce(0, +) - 1) < 1e-5)
    }

    @Test func repeatedAndZeroSingularValues() throws {
        // W = Q₁ diag(5, 2, 2, 2, 0, 0) Q₂ᵀ (9×6): the σ-sum cut (k = 2) splits the three-fold σ = 2, whose
        // singular vectors are any basis of their span, and two zero σ lie inside r = 6.
        let q1 = RandomMatrices.gaussian(9, 6, seed: 17).qr().orthonormal, q2 = RandomMatrices.gaussian(6, 6, seed: 18).qr().orthonormal
        let sigma: [Float] = [5, 2, 2, 2, 0, 0]
        let w = q1 * MatrixF(rows: 6, columns: 6, elements: (0..<36).map { $0 % 7 == 0 ? sigma[$0 / 7] : 0 }) * q2.transposed
        // An update inside the repeated block: however LAPACK picks its basis, the energy stays in top ∪ middle.
        let delta = q1.columns(1..<4) * RandomMatrices.gaussian(3, 3, seed: 19) * q2.columns(1..<4).transposed
        let result = try analyzer.analyze(name: "w", base: w, updates: [.dense(delta), .dense(RandomMatrices.gaussian(9, 6, seed: 20))], taskNames: ["a", "b"])
        #expect(result.numericalRank == 4 && result.topRank == 2)
        for (computed, expected) in zip(result.baseSingularValues, sigma) { #expect(abs(computed - Double(expected)) < 1e-5) }
        let energy = result.tasks[0].energy.energy
        #expect(abs(energy[0][0] + energy[0][1] + energy[1][0] + energy[1][1] - 1) < 1e-5)
        for task in result.tasks { #expect(abs(task.energy.energy.joined().reduce(0, +) - 1) < 1e-5) }
        #expect(result.interference?.all.lambdaStar?.isFinite == true)
    }

    @Test func identicalModelsGiveAZeroUpdateNotNaN() throws {
        let w = RandomMatrices.gaussian(8, 5, seed: 4)
        let result = try analyzer.analyze(name: "w", base: w, updates: [.dense(MatrixF(zeros: 8, 5)), .dense(MatrixF(zeros: 8, 5))], taskNames: ["a", "b"])
        #expect(result.tasks.allSatisfy { $0.energy.isZeroUpdate && $0.expertRank == 0 })
        #expect(result.interference?.matrix.allSatisfy { $0 == nil } == true)
        #expect(result.interference?.all.lambdaStar == nil)
        #expect(result.similarity?.cosine == [[0, 0], [0, 0]])
        #expect(result.warnings.count == 2)
    }

    @Test func updateAtRoundingLevelIsFlagged() throws {
        let w = RandomMatrices.gaussian(6, 6, seed: 5)
        let tiny = RandomMatrices.gaussian(6, 6, seed: 6, scale: 1e-9)
        let result = try analyzer.analyze(name: "w", base: w, updates: [.dense(tiny)], taskNames: ["t"])
        #expect(result.warnings.contains { $0.contains("rounding") })
    }

    @Test(arguments: [(1, 7), (7, 1), (1, 1)])
    func vectorShapedWeights(shape: (Int, Int)) throws {
        let w = RandomMatrices.gaussian(shape.0, shape.1, seed: 7)
        let updates: [WeightUpdate] = [.dense(RandomMatrices.gaussian(shape.0, shape.1, seed: 8)), .dense(RandomMatrices.gaussian(shape.0, shape.1, seed: 9))]
        let result = try analyzer.analyze(name: "w", base: w, updates: updates, taskNames: ["a", "b"])
        #expect(result.topRank == 1)
        for task in result.tasks { #expect(abs(task.energy.energy.joined().reduce(0, +) - 1) < 1e-5) }
        #expect(result.interference?.all.lambdaStar != nil)
    }

    @Test func singleTaskHasNoCrossTaskSignals() throws {
        let result = try analyzer.analyze(name: "w", base: RandomMatrices.gaussian(5, 4, seed: 10), updates: [.dense(RandomMatrices.gaussian(5, 4, seed: 11))], taskNames: ["only"])
        #expect(result.interference == nil && result.similarity == nil && result.verdict == nil)
    }

    @Test func nonFiniteBaseIsAnErrorNamingTheLayer() {
        var w = RandomMatrices.gaussian(4, 4, seed: 12)
        w[2, 3] = .infinity
        #expect(throws: LinearAlgebraError.nonFiniteInput(context: "enc.q.weight (pretrained)")) {
            try analyzer.analyze(name: "enc.q.weight", base: w, updates: [.dense(w)], taskNames: ["t"])
        }
    }

    @Test func nonFiniteUpdateIsAnErrorNamingTheTask() {
        var d = RandomMatrices.gaussian(4, 4, seed: 13)
        d[0, 0] = .nan
        #expect(throws: LinearAlgebraError.nonFiniteInput(context: "enc.q.weight (update of bad)")) {
            try analyzer.analyze(name: "enc.q.weight", base: RandomMatrices.gaussian(4, 4, seed: 14), updates: [.dense(d)], taskNames: ["bad"])
        }
    }

    @Test func zoneRankAtItsExtremes() throws {
        let w = RandomMatrices.gaussian(9, 6, seed: 15)
        let updates: [WeightUpdate] = [.dense(RandomMatrices.gaussian(9, 6, seed: 16))]
        for k in [1, 6] {
            let result = try LayerAnalyzer(options: AnalysisOptions(zoneRule: .rank(k))).analyze(name: "w", base: w, updates: updates, taskNames: ["t"])
            #expect(result.topRank == k)
            #expect(abs(result.tasks[0].energy.energy.joined().reduce(0, +) - 1) < 1e-5)
            if k == 6 { #expect(result.tasks[0].energy.middle == 0) }
        }
    }
}
