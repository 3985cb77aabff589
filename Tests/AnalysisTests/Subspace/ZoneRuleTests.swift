import Testing
@testable import Analysis

@Suite struct ZoneRuleTests {
    @Test func smileRuleCountsDirectionsBelowHalfTheSigmaSum() {
        // cumsum = 4, 7, 9, 10; half = 5; one value below → k = 2.
        #expect(ZoneRule.smileDefault.cut([4, 3, 2, 1]) == 2)
        // One dominant value: cumsum 10 ≥ 5.5 immediately → k = 1.
        #expect(ZoneRule.smileDefault.cut([10, 0.5, 0.5]) == 1)
        // Flat spectrum of 8: cumsum j < 4 for j = 1, 2, 3 → k = 4.
        #expect(ZoneRule.smileDefault.cut(Array(repeating: 1, count: 8)) == 4)
    }

    @Test func energyAndRankRules() {
        // σ² = 16, 9, 4, 1 (total 30): cumsum 16 < 15? no → k = 1.
        #expect(ZoneRule.energy(0.5).cut([4, 3, 2, 1]) == 1)
        #expect(ZoneRule.energy(0.9).cut([4, 3, 2, 1]) == 3)
        #expect(ZoneRule.rank(7).cut([4, 3, 2, 1]) == 4)
        #expect(ZoneRule.rank(0).cut([4, 3, 2, 1]) == 1)
    }

    @Test func degenerateSpectra() {
        #expect(ZoneRule.smileDefault.cut([]) == 0)
        #expect(ZoneRule.smileDefault.cut([0, 0, 0]) == 1)
        #expect(ZoneRule.smileDefault.cut([5]) == 1)
    }

    @Test func splitDimensionsCoverBothSpaces() {
        let split = ZoneSplit(rows: 20, columns: 8, cuts: [3])
        #expect((0..<3).map(split.leftDimension) == [3, 5, 12])
        #expect((0..<3).map(split.rightDimension) == [3, 5, 0])
        let four = ZoneSplit(rows: 8, columns: 20, cuts: [2, 6])
        #expect((0..<4).map(four.leftDimension) == [2, 4, 2, 0])
        #expect((0..<4).map(four.rightDimension) == [2, 4, 2, 12])
    }
}
