import Testing
@testable import Analysis

extension Hardening {
    /// Seeded randomised checks of the energy map's invariants over many shapes, ranks and zone rules:
    /// 50 cases per property, each case reproducible from its index.
    struct EnergyMapPropertyTests {
        static let cases = 0..<50

        /// A random case: shape up to 24×24, a base of random numerical rank, a dense or LoRA update of
        /// random rank (0 included), and random 3- and 4-way zone rules.
        struct Case {
            var base: MatrixF
            var update: WeightUpdate
            var rule: ZoneRule
            var lowRule: ZoneRule

            init(_ index: Int) {
                var rng = SplitMix64(seed: 9_000 + UInt64(index))
                let m = Int.random(in: 1...24, using: &rng), n = Int.random(in: 1...24, using: &rng)
                let baseRank = Int.random(in: 1...Swift.min(m, n), using: &rng)
                base = rng.gaussianMatrix(m, baseRank) * rng.gaussianMatrix(baseRank, n)
                let q = Int.random(in: 0...Swift.min(m, n), using: &rng)
                update = Bool.random(using: &rng)
                    ? .lowRank(b: rng.gaussianMatrix(m, q, scale: 0.1), a: rng.gaussianMatrix(q, n, scale: 0.1), scale: Float.random(in: 0.5...4, using: &rng))
                    : .dense(rng.gaussianMatrix(m, n))
                rule = Self.rule(&rng, rank: Swift.min(m, n))
                lowRule = Self.rule(&rng, rank: Swift.min(m, n))
            }

            private static func rule(_ rng: inout SplitMix64, rank: Int) -> ZoneRule {
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: return .sigmaSum(Double.random(in: 0...1, using: &rng))
                case 1: return .energy(Double.random(in: 0...1, using: &rng))
                default: return .rank(Int.random(in: 0...(rank + 1), using: &rng))
                }
            }

            /// The 3-way and 4-way zones of `svd` (the base's) under this case's rules.
            func zones(_ svd: SingularValueDecomposition<Float>) -> [ZoneSplit] {
                let sigma = svd.singularValues.map(Double.init)
                return [ZoneSplit(rows: base.rows, columns: base.columns, singularValues: sigma, rule: rule),
                        ZoneSplit(rows: base.rows, columns: base.columns, singularValues: sigma, rule: rule, lowRule: lowRule)]
            }
        }

        @Test(arguments: cases)
        func energiesSumToOne(index: Int) throws {
            let c = Case(index)
            let svd = try c.base.singularValueDecomposition()
            for zones in c.zones(svd) {
                let map = EnergyMap(projection: BasisProjection(update: c.update, base: svd), zones: zones)
                let energies = Array(map.energy.joined())
                #expect(energies.allSatisfy { $0.isFinite && $0 >= 0 })
                #expect(abs(energies.reduce(0, +) - (map.isZeroUpdate ? 0 : 1)) < 1e-5, "case \(index), \(zones.names)")
                #expect(abs(map.baseline.joined().reduce(0, +) - 1) < 1e-12)
            }
        }

        @Test(arguments: cases)
        func invariantToSignFlipsOfSingularPairs(index: Int) throws {
            let c = Case(index)
            let svd = try c.base.singularValueDecomposition()
            var rng = SplitMix64(seed: 7_000 + UInt64(index))
            var flipped = svd
            for j in 0..<svd.rank where Bool.random(using: &rng) {
                for i in 0..<flipped.u.rows { flipped.u[i, j] = -flipped.u[i, j] }
                for i in 0..<flipped.vt.columns { flipped.vt[j, i] = -flipped.vt[j, i] }
            }
            for zones in c.zones(svd) {
                let original = EnergyMap(projection: BasisProjection(update: c.update, base: svd), zones: zones)
                let signFlipped = EnergyMap(projection: BasisProjection(update: c.update, base: flipped), zones: zones)
                for (x, y) in zip(original.energy.joined(), signFlipped.energy.joined()) { #expect(abs(x - y) < 1e-6, "case \(index)") }
            }
        }

        /// LoRA factors analysed as factors and as the dense ΔW = s·B·A give the same energy maps, spectra
        /// and interference, through the whole layer analysis of two or three tasks.
        @Test(arguments: cases)
        func loraFactorPathEqualsDensePath(index: Int) throws {
            var rng = SplitMix64(seed: 5_000 + UInt64(index))
            let m = Int.random(in: 2...20, using: &rng), n = Int.random(in: 2...20, using: &rng)
            let base = rng.gaussianMatrix(m, n)
            let lora: [WeightUpdate] = (0..<Int.random(in: 2...3, using: &rng)).map { _ in
                let q = Int.random(in: 1...Swift.min(m, n, 4), using: &rng)
                return .lowRank(b: rng.gaussianMatrix(m, q, scale: 0.1), a: rng.gaussianMatrix(q, n, scale: 0.1), scale: 2)
            }
            let names = lora.indices.map { "t\($0)" }
            let analyzer = LayerAnalyzer(options: AnalysisOptions(lowZoneRule: .energy(0.9), computeIntruders: false))
            let viaFactors = try analyzer.analyze(name: "w", base: base, updates: lora, taskNames: names)
            let viaDense = try analyzer.analyze(name: "w", base: base, updates: lora.map { .dense($0.dense) }, taskNames: names)
            for (f, d) in zip(viaFactors.tasks, viaDense.tasks) {
                for (x, y) in zip(f.energy.energy.joined(), d.energy.energy.joined()) { #expect(abs(x - y) < 1e-4, "case \(index)") }
                for (x, y) in zip(f.energyFourWay!.energy.joined(), d.energyFourWay!.energy.joined()) { #expect(abs(x - y) < 1e-4) }
                let s1 = d.spectrum.singularValues[0]
                for (j, y) in d.spectrum.singularValues.enumerated() {
                    #expect(abs((j < f.spectrum.singularValues.count ? f.spectrum.singularValues[j] : 0) - y) < 1e-4 * s1, "case \(index)")
                }
                #expect(f.spectrum.effectiveRank90 == d.spectrum.effectiveRank90 && f.expertRank == d.expertRank)
            }
            let (fi, di) = (try #require(viaFactors.interference), try #require(viaDense.interference))
            #expect(fi.ranks == di.ranks)
            let scale = fi.gram.joined().joined().map(abs).max() ?? 1
            for (x, y) in zip(fi.gram.joined().joined(), di.gram.joined().joined()) { #expect(abs(x - y) < 1e-3 * scale, "case \(index)") }
            #expect(abs((fi.all.lambdaStar ?? 0) - (di.all.lambdaStar ?? 0)) < 1e-3)
        }
    }
}
