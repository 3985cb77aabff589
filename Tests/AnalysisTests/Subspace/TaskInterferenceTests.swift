import Testing
@testable import Analysis

@Suite struct TaskInterferenceTests {
    static func family(seed: UInt64) throws -> (updates: [WeightUpdate], svds: [SingularValueDecomposition<Float>], ranks: [Int]) {
        let updates: [WeightUpdate] = [
            .dense(RandomMatrices.gaussian(14, 10, seed: seed)),
            RandomMatrices.lowRank(14, 10, rank: 2, seed: seed + 1),
            .dense(RandomMatrices.gaussian(14, 10, seed: seed + 2, scale: 0.3)),
        ]
        let svds = try updates.map { try $0.singularValueDecomposition(context: "test") }
        let ranks = svds.map { UpdateSpectrum(singularValues: $0.singularValues.map(Double.init), baseNorm: 1).effectiveRank90 }
        return (updates, svds, ranks)
    }

    @Test func diagonalIsOneAndLambdaStarMinimises() throws {
        let (updates, svds, ranks) = try Self.family(seed: 100)
        let result = TaskInterference(updates: updates, decompositions: svds, ranks: ranks, energyFraction: 0.9)
        for i in 0..<3 { #expect(abs(result.matrix[i]![i] - 1) < 1e-5) }
        let lambda = try #require(result.all.lambdaStar)
        func total(_ l: Double) -> Double { (0..<3).reduce(0) { $0 + result.all.residual(at: $1, lambda: l)! } }
        #expect(total(lambda) <= total(lambda + 0.01))
        #expect(total(lambda) <= total(lambda - 0.01))
        #expect(zip(result.all.residuals, (0..<3).map { result.all.residual(at: $0, lambda: lambda)! }).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func residualMatchesItsDefinitionOnDenseMatrices() throws {
        let (updates, svds, ranks) = try Self.family(seed: 200)
        let result = TaskInterference(updates: updates, decompositions: svds, ranks: ranks, energyFraction: 0.9)
        let sum = updates.map(\.dense).dropFirst().reduce(updates[0].dense, +)
        let lambda: Float = 0.6
        for i in 0..<3 {
            let v = svds[i].vt.rows(0..<ranks[i])
            let own = updates[i].dense.multiplied(by: v, transposingOther: true)
            let mixed = ((lambda * sum) - updates[i].dense).multiplied(by: v, transposingOther: true)
            let expected = Double(mixed.frobeniusNormSquared / own.frobeniusNormSquared)
            #expect(abs(result.all.residual(at: i, lambda: Double(lambda))! - expected) < 1e-4 * max(1, expected))
        }
    }

    @Test func orthogonalUpdatesDoNotInterfere() throws {
        // Two updates acting on disjoint input coordinates: I[0][1] = I[1][0] = 0, λ* = 1, residuals 0.
        var a = MatrixF(zeros: 4, 4), b = MatrixF(zeros: 4, 4)
        a[0, 0] = 1; a[1, 1] = 0.5
        b[2, 2] = 2; b[3, 3] = 1
        let updates: [WeightUpdate] = [.dense(a), .dense(b)]
        let svds = try updates.map { try $0.singularValueDecomposition(context: "t") }
        let result = TaskInterference(updates: updates, decompositions: svds, ranks: [2, 2], energyFraction: 0.9)
        #expect(abs(result.matrix[0]![1]) < 1e-7 && abs(result.matrix[1]![0]) < 1e-7)
        #expect(abs(result.all.lambdaStar! - 1) < 1e-6)
        #expect(result.all.residuals.allSatisfy { abs($0) < 1e-6 })
    }

    @Test func subsetMergeEqualsAFreshFamilyOfThatSubset() throws {
        let (updates, svds, ranks) = try Self.family(seed: 300)
        let full = TaskInterference(updates: updates, decompositions: svds, ranks: ranks, energyFraction: 0.9)
        let pair = TaskInterference(updates: [updates[0], updates[2]], decompositions: [svds[0], svds[2]], ranks: [ranks[0], ranks[2]], energyFraction: 0.9)
        let subset = full.merge(of: [0, 2])
        // Equal up to Float GEMM rounding: the two objectives multiply differently sized row blocks.
        #expect(abs(subset.lambdaStar! - pair.all.lambdaStar!) < 1e-6)
        for (x, y) in zip(subset.residuals, pair.all.residuals) { #expect(abs(x - y) < 1e-6) }
    }

    @Test func combiningLayersSumsTheirObjectives() throws {
        let (u1, s1, r1) = try Self.family(seed: 400)
        let (u2, s2, r2) = try Self.family(seed: 500)
        let l1 = TaskInterference(updates: u1, decompositions: s1, ranks: r1, energyFraction: 0.9)
        let l2 = TaskInterference(updates: u2, decompositions: s2, ranks: r2, energyFraction: 0.9)
        let model = try #require(TaskInterference.combined([l1, l2]))
        for i in 0..<3 {
            let expected = l1.all.a[i] + l2.all.a[i]
            #expect(abs(model.all.a[i] - expected) < 1e-9 * max(1, expected))
        }
    }
}
