import Foundation
import Testing
@testable import Analysis

/// Issue #24: ΔW's spectrum only as deep as the report reads — the certified block iteration against
/// the Double SVD and against the complete reduction, its bounds, and every hand-over to the exact path.
@Suite struct LeadingUpdateSpectrumTests {
    /// m×n: a rank-6 part with σ = 10, 8, 6, 5, 4, 3 plus Gaussian noise of entry scale `noise`
    /// (0.001 at 900×700: 0.25% of the energy, so 99% lies in the first six directions).
    static func concentrated(_ m: Int = 900, _ n: Int = 700, seed: UInt64 = 2401, noise: Float = 0.001) -> MatrixF {
        let u = RandomMatrices.gaussian(m, 6, seed: seed).qr().orthonormal
        let vt = RandomMatrices.gaussian(6, n, seed: seed &+ 1).lq().orthonormal
        return u.scalingColumns(by: [10, 8, 6, 5, 4, 3]) * vt + RandomMatrices.gaussian(m, n, seed: seed &+ 2, scale: noise)
    }

    /// Rank 16 (shares of ‖A‖² 0.084 down to 0.046, as make_family's updates) plus a flat Gaussian bulk of
    /// 0.68% of the energy — a 2%-of-‖W‖ update's BF16 storage rounding: certifiable to 99% (rank99 16).
    static func roundedRank16(_ m: Int = 900, _ n: Int = 700) -> MatrixF {
        let u = RandomMatrices.gaussian(m, 16, seed: 2413).qr().orthonormal
        let vt = RandomMatrices.gaussian(16, n, seed: 2414).lq().orthonormal
        let s: [Float] = (0..<16).map { Float((0.084 - 0.0025 * Double($0)).squareRoot()) }
        let energy = s.reduce(0) { $0 + Double($1 * $1) }
        return u.scalingColumns(by: s) * vt + RandomMatrices.gaussian(m, n, seed: 2415, scale: Float((0.0068 / 0.9932 * energy / Double(m * n)).squareRoot()))
    }

    static func rank(_ sigma: [Double], _ energy: Double, _ fraction: Double) -> Int {
        UpdateSpectrum(singularValues: sigma, baseNorm: 0, uncapturedEnergy: energy - sigma.reduce(0) { $0 + $1 * $1 }).rank(holding: fraction)
    }

    /// Every certified claim against the Double SVD: sᵢ² ≤ σᵢ² ≤ sᵢ² + ε (to Double rounding), the
    /// uncaptured energy brackets Σ_{i>k} σᵢ², the vectors read are the exact ones, tall and wide.
    @Test(arguments: [(900, 700), (700, 900)])
    func certifiedValuesAndVectorsMatchTheDoubleSVD(shape: (Int, Int)) throws {
        let delta = Self.concentrated(shape.0, shape.1)
        let leading = try #require(try delta.leadingSingularSpectrum(holding: 0.99, vectors: { Self.rank($0, $1, 0.9) }))
        let exact = try delta.converted(to: Double.self).singularValueDecomposition()
        let k = leading.singularValues.count
        #expect(k == 6 && leading.decomposition.rank == 5 && leading.blockSize == 32, "k \(k), vectors \(leading.decomposition.rank)")
        let energy = exact.singularValues.reduce(0) { $0 + $1 * $1 }
        #expect(abs(leading.energy - energy) <= 1e-12 * energy)
        let rounding = 1e-12 * exact.singularValues[0] * exact.singularValues[0]
        for i in 0..<k {
            let s2 = leading.singularValues[i] * leading.singularValues[i], sigma2 = exact.singularValues[i] * exact.singularValues[i]
            #expect(s2 <= sigma2 + rounding && sigma2 <= s2 + leading.squaredValueBound + rounding, "σ_\(i)² \(sigma2) vs [\(s2), +\(leading.squaredValueBound)]")
            #expect(abs(leading.singularValues[i] - exact.singularValues[i]) <= 1e-9 * exact.singularValues[i])
        }
        #expect(leading.squaredValueBound <= 1e-9 * exact.singularValues[k - 1] * exact.singularValues[k - 1])
        let tail = exact.singularValues[k...].reduce(0) { $0 + $1 * $1 }
        #expect(leading.uncapturedEnergy >= tail - 1e-12 * energy && leading.uncapturedEnergy - Double(k) * leading.squaredValueBound <= tail + 1e-12 * energy)
        let svd = leading.decomposition
        let uu = svd.u.converted(to: Double.self).multiplied(by: exact.u, transposingSelf: true)
        let vv = svd.vt.converted(to: Double.self).multiplied(by: exact.vt, transposingOther: true)
        for j in 0..<svd.rank { #expect(abs(abs(uu[j, j]) - 1) <= 1e-6 && abs(abs(vv[j, j]) - 1) <= 1e-6, "pair \(j)") }
        #expect(svd.orthonormalityError <= 1e-6)
    }

    /// A spread (Gaussian) spectrum: 99% never fits a quarter of r, so the iteration gives up after its
    /// first pass at the first width (its sketch shows it), well before the complete reduction would have finished.
    @Test func spreadSpectrumHandsOverAtOnce() throws {
        let delta = RandomMatrices.gaussian(800, 600, seed: 2402, scale: 0.01)
        #expect(try delta.leadingSingularSpectrum(holding: 0.99, vectors: { _, _ in 0 }) == nil)
        #expect(try delta.leadingSingularSpectrum(holding: 0.99, vectors: { _, _ in 0 }, settings: LeadingSpectrumSettings(maxIterations: 2)) == nil)
    }

    /// The first pass's sketch (Ritz values of A Aᵀ on range(A Xᵀ) for a random orthonormal X, ℓ = 32) rules
    /// out a certificate for spread spectra (Gaussian; a rank-6 part under 5% Gaussian energy, as the 7B
    /// benchmark's updates) and never for spectra the iteration certifies or must grow for: rank 6 under
    /// 0.25% noise (99% in 6 directions), a flat rank 48 (needs ℓ 64: every μ above (1 − f)·T/2), a rank
    /// below ℓ (P rank-deficient), rank 16 over a flat 0.68% bulk (BF16 rounding: its sketch holds less
    /// than f·T, but more than 1 − 2(1 − f)). Each verdict is checked against the Double SVD's own: a
    /// certificate is impossible exactly when the σ² above (1 − f)·T/2 hold less than f·T.
    @Test func firstPassSketchRulesOutOnlySpreadSpectra() throws {
        func flat(_ rank: Int, seed: UInt64) -> MatrixF {
            RandomMatrices.gaussian(900, rank, seed: seed).qr().orthonormal * RandomMatrices.gaussian(rank, 700, seed: seed &+ 1).lq().orthonormal
        }
        let noisy = Self.concentrated(seed: 2407, noise: 0) + RandomMatrices.gaussian(900, 700, seed: 2408, scale: Float((0.05 / 0.95 * 250 / (900 * 700)).squareRoot()))
        let cases: [(String, MatrixF, Bool)] = [
            ("gaussian", RandomMatrices.gaussian(900, 700, seed: 2409, scale: 0.01), true),
            ("rank 6 + 5% noise", noisy, true),
            ("rank 6 + 0.25% noise", Self.concentrated(), false),
            ("flat rank 48", flat(48, seed: 2410), false),
            ("flat rank 20", flat(20, seed: 2411), false),
            ("rank 16 + 0.68% flat bulk (BF16 rounding)", Self.roundedRank16(), false),
        ]
        for (name, a, rulesOut) in cases {
            let g = a.converted(to: Double.self)
            let gram = g.multiplied(by: g, transposingSelf: true)
            var generator = SplitMix64(seed: 2412)
            let basis = generator.gaussianMatrix(32, 700).converted(to: Double.self).lq().orthonormal
            let trace = (0..<700).reduce(0.0) { $0 + gram[$1, $1] }
            let level = 0.01 * trace / 2
            let verdict = try MatrixF.sketchRulesOutCertificate(basis: basis, image: basis.multiplied(by: gram), fraction: 0.99, trace: trace, level: level, context: name)
            #expect(verdict == rulesOut, "\(name)")
            let lambda = try g.singularValueDecomposition().singularValues.map { $0 * $0 }
            let certifiable = lambda.filter { $0 > level }.reduce(0, +) >= 0.99 * trace
            #expect(certifiable == !rulesOut, "\(name): exact spectrum")
        }
    }

    /// Rank-16 updates over a BF16-rounding bulk (0.68% of ‖ΔW‖²) certify with the default settings, first-pass
    /// sketch on: 16 values, each within 10⁻⁶ relative of the Double SVD's.
    @Test func aRoundingBulkUnderOnePercentStillCertifies() throws {
        let a = Self.roundedRank16()
        let leading = try #require(try a.leadingSingularSpectrum(holding: 0.99, vectors: { _, _ in 14 }))
        let exact = try a.converted(to: Double.self).singularValueDecomposition().singularValues
        #expect(leading.singularValues.count == 16)
        for (s, e) in zip(leading.singularValues, exact) { #expect(abs(s - e) <= 1e-6 * e) }
    }

    /// The other hand-overs: below the minimum rank, a block too narrow for the asked depth, too few
    /// iterations to certify, a zero matrix, every σ asked for (fraction 1); and a needed depth beyond the
    /// first block grows it.
    @Test func handOversAndGrowth() throws {
        let delta = Self.concentrated()
        let vectors = { (_: [Double], _: Double) in 0 }
        #expect(try delta.leadingSingularSpectrum(holding: 0.99, vectors: vectors, settings: LeadingSpectrumSettings(minimumRank: 701)) == nil)
        #expect(try delta.leadingSingularSpectrum(holding: 0.99, minimumDepth: 200, vectors: vectors) == nil)
        #expect(try delta.leadingSingularSpectrum(holding: 0.99, vectors: vectors, settings: LeadingSpectrumSettings(maxIterations: 1)) == nil)
        #expect(try MatrixF(zeros: 600, 600).leadingSingularSpectrum(holding: 0.99, vectors: vectors) == nil)
        #expect(try delta.leadingSingularSpectrum(holding: 1, vectors: vectors) == nil)
        let grown = try #require(try delta.leadingSingularSpectrum(holding: 0.99, vectors: vectors, settings: LeadingSpectrumSettings(initialBlock: 10, oversampling: 8)))
        #expect(grown.blockSize == 20 && grown.singularValues.count == 6)
    }

    /// A layer with three concentrated updates: every signal of the leading path equals the complete
    /// reduction's within 1e-6, each task says which path ran, and the record's JSON keeps it.
    @Test func layerAnalysisGivesTheSameAnswers() throws {
        let base = SpectralMatrices.decaying(640, 600, seed: 2403)
        let d0 = Self.concentrated(640, 600, seed: 2404)
        let updates = [d0, Self.concentrated(640, 600, seed: 2405), 0.6 * d0 + Self.concentrated(640, 600, seed: 2406)].map(WeightUpdate.dense)
        let names = ["a", "b", "c"]
        let leading = try LayerAnalyzer().analyze(name: "layer", base: base, updates: updates, taskNames: names)
        let complete = try LayerAnalyzer(compute: ComputeSettings(leadingUpdateSpectra: nil)).analyze(name: "layer", base: base, updates: updates, taskNames: names)
        #expect(leading.tasks.map(\.spectrum.computation) == [.leading, .leading, .leading])
        #expect(complete.tasks.map(\.spectrum.computation) == [.complete, .complete, .complete])
        #expect(leading.tasks.allSatisfy { $0.spectrum.singularValues.count < 40 && $0.spectrum.uncapturedEnergy > 0 })
        Self.expectSameAnswers(leading, complete, tolerance: 1e-6)
        let single = try LayerAnalyzer().analyze(name: "layer", base: base, updates: [updates[0]], taskNames: ["a"])
        #expect(single.tasks[0].spectrum.computation == .leading)
        let alone = single.tasks[0].spectrum, together = complete.tasks[0].spectrum
        #expect(alone.effectiveRank90 == together.effectiveRank90 && alone.effectiveRank99 == together.effectiveRank99)
        for (x, y) in zip(alone.energyCurve, together.energyCurve) { #expect(abs(x - y) <= 1e-6) }
        let decoded = try JSONDecoder().decode(UpdateSpectrum.self, from: JSONEncoder().encode(leading.tasks[0].spectrum))
        #expect(decoded == leading.tasks[0].spectrum)
        let old = try JSONDecoder().decode(UpdateSpectrum.self, from: Data(#"{"norm":1,"relativeNorm":0.1,"singularValues":[1],"energyCurve":[1],"effectiveRank90":1,"effectiveRank99":1}"#.utf8))
        #expect(old.computation == .complete && old.uncapturedEnergy == 0)
    }

    /// The shared MiniLM family's full fine-tunes are high-rank (rank99 in the hundreds of 384): with the
    /// leading path allowed even at r = 384 every update hands over to the complete reduction, and the
    /// report is the default one (to 1e-6 relative). (By default r < 512 goes to the complete reduction directly.)
    @Test func miniLMFullFineTunesFallBackToTheCompleteReduction() throws {
        guard let root = Fixtures.miniLM else { return }
        let tasks = ["codelang", "mansec", "pyeco"]
        let family = try ModelFamily.open(base: root.appendingPathComponent("base").path,
                                          models: tasks.map { root.appendingPathComponent("full-\($0)").path }, names: tasks)
        let options = AnalysisOptions(computeIntruders: false)
        var forced = ComputeSettings()
        forced.leadingUpdateSpectra = LeadingSpectrumSettings(minimumRank: 0)
        // The process's BLAS thread count as it is: a family run would otherwise change it for every test
        // running in parallel, whose back-to-back comparisons then differ in the last bits.
        let execution = ExecutionSettings(blasThreads: BLASThreads.current)
        let attempted = try FamilyAnalyzer(options: options, compute: forced, execution: execution).analyze(family)
        let plain = try FamilyAnalyzer(options: options, compute: ComputeSettings(), execution: execution).analyze(family)
        #expect(!attempted.layers.isEmpty)
        for (a, b) in zip(attempted.layers, plain.layers) {
            #expect(a.tasks.allSatisfy { $0.spectrum.computation == .complete }, "\(a.name)")
            // Same reduction both times, but another test may change the process-wide BLAS thread count
            // between the two runs, which reorders float32 sums (principal-angle cosines differed by
            // 1.3e-6 relative once): the rounding bound of the longest inner product (1536), not equality.
            Self.expectSameAnswers(a, b, tolerance: max(1e-6, RoundingTolerance.float32Product(innerDimension: 1536)))
        }
    }

    /// rank90/rank99, the expert rank, ‖ΔW‖, the σ and energy curve both list, every interference,
    /// similarity, STI and λ-grid number: |x − y| ≤ `tolerance`·(the largest |y| of that quantity).
    static func expectSameAnswers(_ a: LayerAnalysis, _ b: LayerAnalysis, tolerance: Double) {
        func same(_ x: [Double], _ y: [Double], _ what: String) {
            let scale = y.map(abs).max() ?? 0
            for (p, q) in zip(x, y) { #expect(abs(p - q) <= tolerance * scale, "\(what): \(p) vs \(q)") }
        }
        #expect(a.tasks.count == b.tasks.count)
        for (s, t) in zip(a.tasks, b.tasks) {
            #expect(s.spectrum.effectiveRank90 == t.spectrum.effectiveRank90 && s.spectrum.effectiveRank99 == t.spectrum.effectiveRank99 && s.expertRank == t.expertRank, "\(s.task) ranks")
            same([s.spectrum.norm], [t.spectrum.norm], "\(s.task) ‖ΔW‖")
            same(s.spectrum.singularValues, t.spectrum.singularValues, "\(s.task) σ")
            same(s.spectrum.energyCurve, t.spectrum.energyCurve, "\(s.task) energy curve")
            same(Array(s.energy.energy.joined()), Array(t.energy.energy.joined()), "\(s.task) energy map")
        }
        #expect(a.interference?.ranks == b.interference?.ranks)
        same(Array((a.interference?.gram ?? []).joined().joined()), Array((b.interference?.gram ?? []).joined().joined()), "interference Gram")
        same((a.interference?.matrix ?? []).flatMap { $0 ?? [] }, (b.interference?.matrix ?? []).flatMap { $0 ?? [] }, "interference")
        same(a.interference?.all.residuals ?? [], b.interference?.all.residuals ?? [], "residuals")
        same((a.residualsByLambda ?? []).joined().compactMap { $0 }, (b.residualsByLambda ?? []).joined().compactMap { $0 }, "residuals by λ")
        same(Array((a.similarity?.cosine ?? []).joined()), Array((b.similarity?.cosine ?? []).joined()), "cosine")
        for (p, q) in zip(a.similarity?.angles ?? [], b.similarity?.angles ?? []) {
            same(p.rightCosines + p.leftCosines, q.rightCosines + q.leftCosines, "principal angles \(p.first),\(p.second)")
        }
        same([a.singularTaskInterference?.value ?? 0], [b.singularTaskInterference?.value ?? 0], "STI")
        #expect(a.verdict?.level == b.verdict?.level && a.verdict?.signals.map(\.level) == b.verdict?.signals.map(\.level))
        same([a.verdict?.lambdaStar ?? 0], [b.verdict?.lambdaStar ?? 0], "λ*")
    }
}
