import Foundation
import Testing
@testable import Analysis

/// Trimming energy and sign conflict of sparsifying merges against `reference/sparsification_reference.py`
/// (numpy float64; brute force over keep patterns for DARE/DELLA; mergekit's own mask and election where
/// installed), and their invariants.
@Suite struct SparsificationConflictTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            struct Task: Decodable { var entries: Int; var energy: Double; var kept_entries: Double; var kept_energy: Double }
            struct Expected: Decodable { var tasks: [Task]; var overlap: Double; var conflict: Double; var discarded: Double? }
            var `case`: String
            var method: String
            var elects: Bool
            var densities: [Double]
            var weights: [Double]
            var epsilons: [Double]
            var updates: [ReferenceFixture.Array2D]
            var expected: Expected
        }
        var cases: [Case]
    }

    static func cases() throws -> [Fixture.Case] {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Fixtures.url("merge_plan/sparsification.json"))).cases
    }

    static func settings(_ c: Fixture.Case) throws -> SparsificationSettings {
        SparsificationSettings(
            method: try #require(SparsificationSettings.Method(rawValue: c.method)), electsSigns: c.elects,
            tasks: Array(c.updates.indices), densities: c.densities, weights: c.weights, epsilons: c.epsilons)
    }

    static func close(_ x: Double, _ y: Double) -> Bool { abs(x - y) <= 1e-9 * max(1, abs(y)) }

    @Test func matchesTheNumpyReference() throws {
        let cases = try Self.cases()
        #expect(cases.count == 4)
        for c in cases {
            let s = SparsificationStatistics(updates: c.updates.map(\.matrix), settings: try Self.settings(c))
            for (ours, theirs) in zip(s.tasks, c.expected.tasks) {
                #expect(ours.entries == theirs.entries, "\(c.case)")
                #expect(Self.close(ours.energy, theirs.energy) && Self.close(ours.keptEnergy, theirs.kept_energy), "\(c.case): \(ours) vs \(theirs)")
                #expect(Self.close(ours.keptEntries, theirs.kept_entries), "\(c.case): \(ours) vs \(theirs)")
            }
            #expect(Self.close(s.overlapEntries, c.expected.overlap), "\(c.case) overlap \(s.overlapEntries) vs \(c.expected.overlap)")
            #expect(Self.close(s.conflictEntries, c.expected.conflict), "\(c.case) conflict \(s.conflictEntries) vs \(c.expected.conflict)")
            #expect(s.electionDiscardedEnergy.map { Self.close($0, c.expected.discarded ?? .nan) } ?? (c.expected.discarded == nil), "\(c.case) discarded")
        }
    }

    @Test func magnitudeKeepsMergekitsCountAndTheLargestEntries() {
        let values: [Float] = [0.5, -3, 2, 0, -1, 2, 7, -0.25, 1.5, -2]
        for density in [0.05, 0.1, 0.25, 0.33, 0.5, 0.99] {
            let mask = SparsificationStatistics.magnitudeMask(values, density: density)
            let k = max(1, Int(density * Double(values.count)))
            #expect(mask.filter { $0 }.count == k, "density \(density)")
            let keptMin = zip(values, mask).filter(\.1).map { abs($0.0) }.min()!
            let droppedMax = zip(values, mask).filter { !$0.1 }.map { abs($0.0) }.max() ?? 0
            #expect(keptMin >= droppedMax, "density \(density)")
        }
        // |2| appears three times at the cuts of k = 3 and 4: the lowest indices win.
        #expect(SparsificationStatistics.magnitudeMask(values, density: 0.3) == [false, true, true, false, false, false, true, false, false, false])
        #expect(SparsificationStatistics.magnitudeMask(values, density: 0.4) == [false, true, true, false, false, true, true, false, false, false])
        #expect(SparsificationStatistics.magnitudeMask(values, density: 1).allSatisfy { $0 })
    }

    @Test func quickselectAgreesWithSorting() {
        var generator = SystemRandomNumberGenerator()
        for n in [1, 2, 7, 100, 1001] {
            let values = (0..<n).map { _ in Float(Int.random(in: -20...20, using: &generator)) / 4 }
            let sorted = values.sorted(by: >)
            for k in Set([1, n, (n + 1) / 2, max(1, n / 3)]) {
                var scratch = values
                #expect(SparsificationStatistics.largest(k, in: &scratch) == sorted[k - 1], "n \(n) k \(k)")
            }
        }
    }

    @Test func fullDensityKeepsEverythingAndTheModelLevelIsTheSumOfLayers() throws {
        let c = try #require(try Self.cases().first { $0.case == "ties" })
        var settings = try Self.settings(c)
        settings.densities = settings.densities.map { _ in 1 }
        let dense = SparsificationStatistics(updates: c.updates.map(\.matrix), settings: settings)
        for t in dense.tasks { #expect(t.keptEnergy == t.energy && t.keptEntries == Double(t.entries)) }
        let trimmed = SparsificationStatistics(updates: c.updates.map(\.matrix), settings: try Self.settings(c))
        #expect(trimmed.conflictEntries <= trimmed.overlapEntries && trimmed.overlapEntries <= dense.overlapEntries)
        let layer = { (name: String, s: SparsificationStatistics) -> LayerAnalysis in
            var l = LayerAnalysis(name: name, rows: 6, columns: 9, options: AnalysisOptions(), baseSingularValues: [], baseNorm: 1,
                                  numericalRank: 6, warnings: [], zones: ZoneSplit(rows: 6, columns: 9, singularValues: [1, 1, 1, 1, 1, 1], rule: .smileDefault), tasks: [])
            l.sparsification = s
            return l
        }
        let summary = try #require(SparsificationSummary(layers: [layer("a", trimmed), layer("b", trimmed)], settings: try Self.settings(c)))
        #expect(summary.overlapEntries == 2 * trimmed.overlapEntries && summary.conflictEntries == 2 * trimmed.conflictEntries)
        #expect(Self.close(summary.electionDiscardedEnergy!, 2 * trimmed.electionDiscardedEnergy!))
        for (p, t) in trimmed.tasks.enumerated() {
            #expect(Self.close(summary.removedEnergy[p], 1 - t.keptEnergy / t.energy))
        }
        #expect(summary.worstLayers.count == 2)
    }
}
