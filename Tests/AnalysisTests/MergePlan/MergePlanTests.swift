import Testing
@testable import Analysis

/// Subsets and groups from the whole-model statistics.
@Suite struct MergePlanTests {
    /// Dense 8×8 updates acting on chosen input coordinates; `opposed` negates one task's update.
    static func family(supports: [[Int]], negate: Int? = nil, copyOf: (Int, Int)? = nil) throws -> (TaskInterference, [[Double]]) {
        var updates = supports.enumerated().map { index, columns -> MatrixF in
            var m = MatrixF(zeros: 8, 8)
            for (n, column) in columns.enumerated() { m[(index + n) % 8, column] = Float(1 + n) }
            return m
        }
        if let copy = copyOf { updates[copy.1] = negate == copy.1 ? -1 * updates[copy.0] : updates[copy.0] }
        let weightUpdates = updates.map(WeightUpdate.dense)
        let svds = try weightUpdates.map { try $0.singularValueDecomposition(context: "plan") }
        let ranks = svds.map { UpdateSpectrum(singularValues: $0.singularValues.map(Double.init), baseNorm: 1).effectiveRank90 }
        let interference = TaskInterference(updates: weightUpdates, decompositions: svds, ranks: ranks, energyFraction: 0.9)
        let similarity = try TaskSimilarity(updates: weightUpdates, decompositions: svds, ranks: ranks)
        return (interference, similarity.cosine)
    }

    @Test func anOpposedModelIsLeftAsAnExpert() throws {
        // Task 2 is task 0 negated; 1 and 3 touch other inputs: {0,1,3} and {1,2,3} merge, 0 with 2 does not.
        let (interference, cosine) = try Self.family(supports: [[0, 1], [2, 3], [0, 1], [4, 5]], negate: 2, copyOf: (0, 2))
        let names = ["a", "b", "c", "d"]
        let plan = MergePlan(interference: interference, cosine: cosine, topEnergy: [0, 0, 0, 0], taskNames: names, thresholds: VerdictThresholds())
        #expect(plan.search == "exhaustive")
        #expect(plan.subsetsJudged == 11)
        #expect(Set(plan.largestMergeable.map(\.indices)) == [[0, 1, 3], [1, 2, 3]])
        #expect(plan.groups.map(\.indices) == [[0, 1, 3]])
        #expect(plan.experts == ["c"])
        let group = try #require(plan.groups.first)
        #expect(abs(group.lambdaStar! - 1) < 1e-6)
        #expect(group.worstResidual < 1e-6)
        #expect(group.weights!.weights.allSatisfy { abs($0 - 1) < 1e-6 })
        #expect(group.retention.expected <= 1 && group.retention.extrapolated)
    }

    @Test func groupsPartitionTheModels() throws {
        let (interference, cosine) = try Self.family(supports: [[0, 1], [2, 3], [0, 1], [4, 5], [6, 7]], negate: 2, copyOf: (0, 2))
        let names = ["a", "b", "c", "d", "e"]
        let plan = MergePlan(interference: interference, cosine: cosine, topEnergy: [0, 0, 0, 0, 0], taskNames: names, thresholds: VerdictThresholds())
        let grouped = plan.groups.flatMap(\.tasks)
        #expect(Set(grouped).count == grouped.count)
        #expect(Set(grouped + plan.experts) == Set(names))
        #expect(plan.groups.allSatisfy { $0.level == .mergeable && $0.tasks.count >= 2 })
        // The opposed pair cannot share a group.
        #expect(!plan.groups.contains { $0.tasks.contains("a") && $0.tasks.contains("c") })
    }

    @Test func subsetVerdictsMatchAFreshFamilyOfThatSubset() throws {
        let (interference, cosine) = try Self.family(supports: [[0, 1, 2], [2, 3], [1, 4], [4, 5]])
        let names = ["a", "b", "c", "d"]
        let subset = MergeVerdict(subset: [1, 3], of: interference, cosine: cosine, topEnergy: [0.1, 0.2, 0.3, 0.4], taskNames: names, scope: "s", thresholds: VerdictThresholds())
        let fresh = MergeVerdict(
            interference: TaskInterference(gram: [1, 3].map { i in [1, 3].map { j in [1, 3].map { interference.gram[i][j][$0] } } }, ranks: [interference.ranks[1], interference.ranks[3]], energyFraction: 0.9),
            cosine: [[1, cosine[1][3]], [cosine[3][1], 1]], topEnergy: [0.2, 0.4], taskNames: ["b", "d"], scope: "s", thresholds: VerdictThresholds())
        #expect(subset == fresh)
    }

    @Test func manyModelsAreSearchedGreedily() {
        // 14 updates that never meet: every subset merges at λ* = 1 with zero residual.
        let t = 14
        let gram = (0..<t).map { i in (0..<t).map { j in (0..<t).map { k in i == j && j == k ? 1.0 : 0 } } }
        let cosine = (0..<t).map { i in (0..<t).map { i == $0 ? 1.0 : 0 } }
        let plan = MergePlan(
            interference: TaskInterference(gram: gram, ranks: Array(repeating: 1, count: t), energyFraction: 0.9),
            cosine: cosine, topEnergy: Array(repeating: 0, count: t), taskNames: (0..<t).map { "m\($0)" }, thresholds: VerdictThresholds())
        #expect(plan.search == "greedy")
        #expect(plan.subsetsJudged < 1 << 12)
        #expect(plan.largestMergeable.first?.indices == Array(0..<t))
        #expect(plan.groups.map(\.indices) == [Array(0..<t)])
        #expect(plan.experts.isEmpty)
    }

    @Test func retentionFollowsTheCalibratedLine() {
        let estimate = RetentionEstimate(worstResidual: 0.3)
        #expect(abs(estimate.expected - (RetentionEstimate.intercept + 0.3 * RetentionEstimate.slope)) < 1e-12)
        #expect(!estimate.extrapolated)
        #expect(RetentionEstimate(worstResidual: 5).expected == 0)
        #expect(abs(RetentionEstimate.residual(keeping: estimate.expected) - 0.3) < 1e-12)
    }
}
