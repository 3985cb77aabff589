import Foundation
import Testing
@testable import Analysis

/// Factorizations that form only the singular vectors the analysis reads — W_pre down to its deepest zone
/// cut, ΔW down to its 90%-energy rank — against LAPACK's full Double SVD, and whole layers against the
/// path that forms every vector.
@Suite struct LeadingBaseVectorsTests {
    /// κ ≈ 10⁸ (σⱼ = 0.91ʲ over 200 directions, like the benchmark's 4096² base at 1.7·10⁸): all σ from the
    /// values-only eigensolver within √ε_d·σ₁ of the Double SVD's, the kept pairs equal to its up to
    /// sign, the zone cut and the energy maps unchanged.
    @Test func illConditionedBaseWithLeadingVectorsOnly() throws {
        let n = 200
        let w = SpectralMatrices.decaying(n, n, seed: 91, decay: 0.91, floor: 0)
        let exact = try w.converted(to: Double.self).singularValueDecomposition()
        let sigma1 = exact.singularValues[0]
        #expect(sigma1 / exact.singularValues[n - 1] > 1e7)
        let (partial, values) = try #require(try w.singularValueDecompositionFromGram(keepingVectors: { _ in 20 }))
        #expect(partial.rank == 20 && values.count == n)
        for (j, (s, t)) in zip(values, exact.singularValues).enumerated() {
            #expect(abs(Double(s) - t) <= 3e-8 * sigma1 + 1e-6 * t, "σ_\(j): \(s) vs \(t)")
        }
        let uu = partial.u.converted(to: Double.self).multiplied(by: exact.u, transposingSelf: true)
        let vv = partial.vt.converted(to: Double.self).multiplied(by: exact.vt, transposingOther: true)
        for j in 0..<20 {
            #expect(abs(abs(uu[j, j]) - 1) <= 1e-5 && abs(abs(vv[j, j]) - 1) <= 1e-5, "pair \(j)")
        }
        let zones = ZoneSplit(rows: n, columns: n, singularValues: values.map(Double.init), rule: .smileDefault)
        #expect(zones == ZoneSplit(rows: n, columns: n, singularValues: exact.singularValues, rule: .smileDefault))
        let cut = try #require(zones.leftCuts.last)
        #expect(cut <= 20)
        let exactFloat = SingularValueDecomposition(u: exact.u.converted(to: Float.self), singularValues: exact.singularValues.map(Float.init), vt: exact.vt.converted(to: Float.self))
        let delta = RandomMatrices.gaussian(n, n, seed: 92, scale: 0.01)
        let a = EnergyMap(projection: BasisProjection(update: .dense(delta), base: partial, depth: cut), zones: zones)
        let b = EnergyMap(projection: BasisProjection(update: .dense(delta), base: exactFloat), zones: zones)
        for (x, y) in zip(a.energy.joined(), b.energy.joined()) { #expect(abs(x - y) <= 1e-6, "\(x) vs \(y)") }
    }

    /// A dense update whose energy is spread over hundreds of directions (σⱼ = 0.995ʲ, rank90 ≈ 230 of
    /// 500): its kept vectors are exact, not approximate.
    @Test func spreadSpectrumUpdateStaysExact() throws {
        let (m, n) = (600, 500)
        let delta = 0.05 * SpectralMatrices.decaying(m, n, seed: 93, decay: 0.995, floor: 0)  // small beside W: W_ft keeps its top directions
        let exact = try delta.converted(to: Double.self).singularValueDecomposition()
        var rank90 = 0
        let (svd, values) = try #require(try delta.singularValueDecompositionFromGram(keepingVectors: { sigma in
            rank90 = UpdateSpectrum(singularValues: sigma.map(Double.init), baseNorm: 1).rank(holding: 0.9)
            return rank90
        }))
        #expect(rank90 > 200 && rank90 < 250 && svd.rank == rank90)
        for (s, t) in zip(values, exact.singularValues) { #expect(abs(Double(s) - t) <= 1e-6 * exact.singularValues[0], "σ \(s) vs \(t)") }
        let uu = svd.u.converted(to: Double.self).multiplied(by: exact.u, transposingSelf: true)
        let vv = svd.vt.converted(to: Double.self).multiplied(by: exact.vt, transposingOther: true)
        for j in 0..<rank90 {
            #expect(abs(abs(uu[j, j]) - 1) <= 1e-5 && abs(abs(vv[j, j]) - 1) <= 1e-5, "pair \(j)")
        }
        #expect(svd.orthonormalityError <= 1e-6)
        // Through the layer: interference ranks in the hundreds, equal to the every-vector path's.
        let base = SpectralMatrices.decaying(m, n, seed: 94)
        let updates: [WeightUpdate] = [.dense(delta), .dense(RandomMatrices.gaussian(m, n, seed: 95, scale: 0.002))]
        let fast = try LayerAnalyzer().analyze(name: "w", base: base, updates: updates, taskNames: ["a", "b"])
        let reference = try LayerAnalyzer(compute: .reference).analyze(name: "w", base: base, updates: updates, taskNames: ["a", "b"])
        #expect(fast.interference!.ranks[0] == rank90)
        FastPathTests.expectAgreement(fast, reference)
    }

    /// A square base whose fine-tunes keep their top directions: the intruders are judged on the leading
    /// vectors alone and equal the complete basis's.
    @Test func intrudersCertifiedOnTheLeadingVectors() throws {
        let n = 128
        let base = SpectralMatrices.decaying(n, n, seed: 96)
        let updates: [WeightUpdate] = [.dense(RandomMatrices.gaussian(n, n, seed: 97, scale: 0.002)), RandomMatrices.lowRank(n, n, rank: 4, seed: 98, scale: 0.05)]
        var timings = LayerTimings()
        let fast = try LayerAnalyzer().analyze(name: "w", base: base, updates: updates, taskNames: ["a", "b"], timings: &timings)
        #expect(timings.baseVectors < n && !timings.baseCompletedForIntruders)
        let complete = try LayerAnalyzer(compute: ComputeSettings(leadingBaseVectors: false)).analyze(name: "w", base: base, updates: updates, taskNames: ["a", "b"])
        FastPathTests.expectAgreement(fast, complete)
    }

    /// A fine-tune whose top direction is new (a strong rank-1 update along a random direction): the
    /// leading vectors cannot certify its max |cos|, so the base is factored completely and the
    /// intruders are those of the complete basis.
    @Test func intruderFallsBackToTheCompleteBase() throws {
        let n = 128
        let base = SpectralMatrices.decaying(n, n, seed: 99)
        let x = RandomMatrices.gaussian(n, 1, seed: 100), y = RandomMatrices.gaussian(1, n, seed: 101)
        let spike = (3 / Float(Double(x.frobeniusNorm) * Double(y.frobeniusNorm))) * (x * y)
        let updates: [WeightUpdate] = [.dense(spike), .dense(RandomMatrices.gaussian(n, n, seed: 102, scale: 0.002))]
        var timings = LayerTimings()
        let fast = try LayerAnalyzer().analyze(name: "w", base: base, updates: updates, taskNames: ["a", "b"], timings: &timings)
        #expect(timings.baseCompletedForIntruders)
        #expect(fast.tasks[0].intruders!.intruders.contains(0))
        let complete = try LayerAnalyzer(compute: ComputeSettings(leadingBaseVectors: false)).analyze(name: "w", base: base, updates: updates, taskNames: ["a", "b"])
        FastPathTests.expectAgreement(fast, complete)
    }
}
