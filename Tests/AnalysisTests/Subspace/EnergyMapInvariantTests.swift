import Testing
@testable import Analysis

/// Invariants of the energy map: blocks partition ‖ΔW‖², the map ignores singular-vector signs, the LoRA
/// factor path equals the dense path, and a random update lands on the random baseline.
@Suite struct EnergyMapInvariantTests {
    static let shapes = [(12, 12), (20, 8), (8, 20), (1, 9), (9, 1), (33, 17)]

    @Test(arguments: shapes)
    func blocksSumToOne(shape: (Int, Int)) throws {
        let (m, n) = shape
        let base = try RandomMatrices.gaussian(m, n, seed: 11).singularValueDecomposition()
        let update = WeightUpdate.dense(RandomMatrices.gaussian(m, n, seed: 12))
        let sigma = base.singularValues.map(Double.init)
        for zones in [ZoneSplit(rows: m, columns: n, singularValues: sigma),
                      ZoneSplit(rows: m, columns: n, singularValues: sigma, rule: .smileDefault, lowRule: .sigmaSum(0.9))] {
            let map = EnergyMap(projection: BasisProjection(update: update, base: base), zones: zones)
            #expect(abs(map.energy.joined().reduce(0, +) - 1) < 1e-5)
            #expect(map.energy.joined().allSatisfy { $0 >= 0 })
            #expect(abs(map.baseline.joined().reduce(0, +) - 1) < 1e-12)
        }
    }

    @Test func invariantToSingularVectorSignFlips() throws {
        let base = try RandomMatrices.gaussian(15, 10, seed: 21).singularValueDecomposition()
        var flipped = base
        for j in [0, 3, 7] {
            for i in 0..<flipped.u.rows { flipped.u[i, j] = -flipped.u[i, j] }
            for i in 0..<flipped.vt.columns { flipped.vt[j, i] = -flipped.vt[j, i] }
        }
        let update = WeightUpdate.dense(RandomMatrices.gaussian(15, 10, seed: 22))
        let zones = ZoneSplit(rows: 15, columns: 10, singularValues: base.singularValues.map(Double.init))
        let a = EnergyMap(projection: BasisProjection(update: update, base: base), zones: zones)
        let b = EnergyMap(projection: BasisProjection(update: update, base: flipped), zones: zones)
        for (x, y) in zip(a.energy.joined(), b.energy.joined()) { #expect(abs(x - y) < 1e-6) }
    }

    @Test func loraFactorPathEqualsDensePath() throws {
        let base = try RandomMatrices.gaussian(24, 16, seed: 31).singularValueDecomposition()
        let lora = RandomMatrices.lowRank(24, 16, rank: 3, seed: 32)
        let zones = ZoneSplit(rows: 24, columns: 16, singularValues: base.singularValues.map(Double.init))
        let viaFactors = EnergyMap(projection: BasisProjection(update: lora, base: base), zones: zones)
        let viaDense = EnergyMap(projection: BasisProjection(update: .dense(lora.dense), base: base), zones: zones)
        for (x, y) in zip(viaFactors.energy.joined(), viaDense.energy.joined()) { #expect(abs(x - y) < 1e-5) }
        #expect(abs(lora.frobeniusNormSquared - WeightUpdate.dense(lora.dense).frobeniusNormSquared) < 1e-5 * lora.frobeniusNormSquared)
    }

    @Test func zeroUpdateIsFlaggedNotNaN() throws {
        let base = try RandomMatrices.gaussian(6, 4, seed: 41).singularValueDecomposition()
        let map = EnergyMap(projection: BasisProjection(update: .dense(MatrixF(zeros: 6, 4)), base: base), zones: ZoneSplit(rows: 6, columns: 4, cuts: [2]))
        #expect(map.isZeroUpdate)
        #expect(map.energy.joined().allSatisfy { $0 == 0 })
    }

    @Test func randomUpdateLandsOnTheBaseline() throws {
        let base = try RandomMatrices.gaussian(90, 60, seed: 51).singularValueDecomposition()
        let zones = ZoneSplit(rows: 90, columns: 60, singularValues: base.singularValues.map(Double.init))
        let map = EnergyMap(projection: BasisProjection(update: .dense(RandomMatrices.gaussian(90, 60, seed: 52)), base: base), zones: zones)
        for (e, b) in zip(map.energy.joined(), map.baseline.joined()) { #expect(abs(e - b) < 0.03) }
    }

    @Test func updateInsideTheTopZoneHasAllItsEnergyThere() throws {
        let svd = try RandomMatrices.gaussian(10, 10, seed: 61).singularValueDecomposition()
        let zones = ZoneSplit(rows: 10, columns: 10, singularValues: svd.singularValues.map(Double.init))
        // ΔW = u₀ v₀ᵀ lies in top × top.
        let delta = svd.u.columns(0..<1) * svd.vt.rows(0..<1)
        let map = EnergyMap(projection: BasisProjection(update: .dense(delta), base: svd), zones: zones)
        #expect(abs(map.top - 1) < 1e-5)
        #expect(map.middlePlusTail < 1e-5)
    }
}
