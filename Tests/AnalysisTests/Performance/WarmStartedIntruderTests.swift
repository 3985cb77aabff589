import Foundation
import Testing
@testable import Analysis

/// The intruder search warm-started from W_pre's leading left singular vectors
/// (``ComputeSettings/warmStartIntruders``) against the cold Gaussian start it replaces and against the
/// exact answer: max |cos| of W_ft's top left singular vectors with all of W_pre's, both from Double SVDs.
@Suite struct WarmStartedIntruderTests {
    /// The randomized path at test sizes (r = 320 ≥ 4ℓ).
    static let settings = TruncatedSVDSettings(minimumRank: 32)
    static let n = 320

    /// maxⱼ |⟨u'ᵢ, uⱼ⟩| for the top `top` left singular vectors u' of W_ft and all r of W_pre's, in Double.
    static func exactMaxCosines(base: MatrixF, update: WeightUpdate, top: Int = 10) throws -> [Double] {
        let fineTuned = (base + update.dense).converted(to: Double.self)
        let u = try base.converted(to: Double.self).singularValueDecomposition().u
        let uFineTuned = try fineTuned.singularValueDecomposition().u.columns(0..<top)
        let overlaps = u.multiplied(by: uFineTuned, transposingSelf: true)
        return (0..<top).map { i in overlaps.column(i).reduce(0.0) { Swift.max($0, abs($1)) } }
    }

    static func analyze(_ base: MatrixF, _ updates: [WeightUpdate], warm: Bool, timings: inout LayerTimings) throws -> LayerAnalysis {
        let compute = ComputeSettings(intruderVectors: .automatic(settings), warmStartIntruders: warm)
        return try LayerAnalyzer(compute: compute).analyze(name: "w", base: base, updates: updates, taskNames: updates.indices.map { "t\($0)" }, timings: &timings)
    }

    /// Warm and cold runs of the whole layer analysis give the same intruders as the exact Double SVDs and
    /// max |cos| within `tolerance` relative of it, with no fallback to LAPACK, the warm start in fewer
    /// iterations. Both float32 paths sit 10⁻⁷–10⁻⁵ from the Double answer here, on either side of it, so
    /// they agree to that level, not bit for bit (see `tolerance`).
    /// The search stops when each Ritz residual is ≤ 10⁻⁵·gap, which bounds each vector's angle to the
    /// exact one by 10⁻⁵ (Davis–Kahan), and the overlaps with W_pre's vectors are float32 products
    /// (√n·ε₃₂ ≈ 2·10⁻⁶ at n = 320, in an order that changes with the process-wide BLAS thread count a
    /// concurrent test may set): 8.8·10⁻⁶ relative was seen once, so 2·10⁻⁵.
    static let tolerance = 2e-5

    static func expectSameIntruders(base: MatrixF, updates: [WeightUpdate], intruding: [Bool]) throws {
        var warmTimings = LayerTimings(), coldTimings = LayerTimings()
        let warm = try analyze(base, updates, warm: true, timings: &warmTimings)
        let cold = try analyze(base, updates, warm: false, timings: &coldTimings)
        #expect(warmTimings.intruderFallbacks == 0 && coldTimings.intruderFallbacks == 0)
        #expect(warmTimings.intruderIterations < coldTimings.intruderIterations, "warm \(warmTimings.intruderIterations) vs cold \(coldTimings.intruderIterations) iterations")
        for (index, update) in updates.enumerated() {
            let exact = try exactMaxCosines(base: base, update: update)
            let a = try #require(warm.tasks[index].intruders), b = try #require(cold.tasks[index].intruders)
            #expect(a.intruders == exact.indices.filter { exact[$0] < 0.5 })
            #expect(a.intruders == b.intruders)
            #expect(a.intruders.isEmpty != intruding[index])
            for i in exact.indices {
                #expect(abs(a.maxCosine[i] - exact[i]) <= Self.tolerance * exact[i], "task \(index) u\(i): warm \(a.maxCosine[i]) vs exact \(exact[i])")
                #expect(abs(b.maxCosine[i] - exact[i]) <= Self.tolerance * exact[i], "task \(index) u\(i): cold \(b.maxCosine[i]) vs exact \(exact[i])")
                #expect(abs(a.maxCosine[i] - b.maxCosine[i]) <= Self.tolerance * b.maxCosine[i], "task \(index) u\(i): warm \(a.maxCosine[i]) vs cold \(b.maxCosine[i])")
            }
        }
    }

    /// Fine-tunes that keep W_pre's top directions (a small dense update, a LoRA update): no intruders.
    @Test func noIntrudersDenseAndLoRA() throws {
        let base = SpectralMatrices.decaying(Self.n, Self.n, seed: 240, decay: 0.97)
        let updates: [WeightUpdate] = [
            .dense(RandomMatrices.gaussian(Self.n, Self.n, seed: 241, scale: 0.0002)),
            RandomMatrices.lowRank(Self.n, Self.n, rank: 8, seed: 242, scale: 0.002),
        ]
        try Self.expectSameIntruders(base: base, updates: updates, intruding: [false, false])
    }

    /// Fine-tunes that plant new top directions (rank-2 spikes along random directions, dense and as LoRA
    /// factors): the warm start's guesses miss them, its Gaussian sketch finds them.
    @Test func plantedIntrudersDenseAndLoRA() throws {
        let base = SpectralMatrices.decaying(Self.n, Self.n, seed: 243, decay: 0.97)
        func spike(_ seed: UInt64) -> (b: MatrixF, a: MatrixF) {
            let b = RandomMatrices.gaussian(Self.n, 2, seed: seed).qr().orthonormal.scalingColumns(by: [1.6, 1.3])
            return (b, RandomMatrices.gaussian(2, Self.n, seed: seed &+ 1).lq().orthonormal)
        }
        let dense = spike(244), lora = spike(246)
        let updates: [WeightUpdate] = [.dense(dense.b * dense.a), .lowRank(b: lora.b, a: lora.a, scale: 1)]
        try Self.expectSameIntruders(base: base, updates: updates, intruding: [true, true])
    }

    /// A non-square layer (the warm start is W_pre's m×r left factor): a strong LoRA update whose
    /// directions intrude and a small dense one; same answers both ways.
    @Test func nonSquareLayer() throws {
        let base = SpectralMatrices.decaying(2 * Self.n, Self.n, seed: 248, decay: 0.97)
        let updates: [WeightUpdate] = [
            RandomMatrices.lowRank(2 * Self.n, Self.n, rank: 4, seed: 249, scale: 0.5),
            .dense(RandomMatrices.gaussian(2 * Self.n, Self.n, seed: 251, scale: 0.0002)),
        ]
        try Self.expectSameIntruders(base: base, updates: updates, intruding: [true, false])
    }

    /// W_ft formed in one copy of W_pre: a dense ΔW by saxpy (exactly W_pre + ΔW, one rounding per
    /// entry) and LoRA factors by one accumulating GEMM (W_pre + s·B·A, checked in Double).
    @Test func fineTunedWeightIsBasePlusUpdate() throws {
        let base = RandomMatrices.gaussian(70, 50, seed: 254)
        let delta = RandomMatrices.gaussian(70, 50, seed: 255, scale: 0.01)
        #expect(WeightUpdate.dense(delta).fineTuned(from: base) == base + delta)
        let b = RandomMatrices.gaussian(70, 3, seed: 256), a = RandomMatrices.gaussian(3, 50, seed: 257)
        let formed = WeightUpdate.lowRank(b: b, a: a, scale: 0.25).fineTuned(from: base)
        let exact = base.converted(to: Double.self) + 0.25 * (b.converted(to: Double.self) * a.converted(to: Double.self))
        for (x, y) in zip(formed.elements, exact.elements) { #expect(abs(Double(x) - y) <= 1e-6 * Swift.max(1, abs(y))) }
        #expect(WeightUpdate.lowRank(b: MatrixF(zeros: 70, 0), a: MatrixF(zeros: 0, 50), scale: 1).fineTuned(from: base) == base)
    }

    /// The warm-started iteration alone, against the Double SVD: σ and u of the top 10.
    @Test func warmStartedTripletsMatchTheDoubleSVD() throws {
        let base = SpectralMatrices.decaying(Self.n, Self.n, seed: 252, decay: 0.97)
        let fineTuned = base + RandomMatrices.gaussian(Self.n, Self.n, seed: 253, scale: 0.0002)
        let guesses = try base.singularValueDecomposition().u.columns(0..<20)
        let outcome = try fineTuned.topSingularTriplets(10, settings: Self.settings, start: guesses)
        #expect(!outcome.usedExactFallback && outcome.iterations >= 1)
        let exact = try fineTuned.converted(to: Double.self).singularValueDecomposition()
        for i in 0..<10 {
            #expect(abs(Double(outcome.decomposition.singularValues[i]) - exact.singularValues[i]) <= 1e-5 * exact.singularValues[0])
            let u = outcome.decomposition.u.column(i), v = exact.u.column(i)
            let cosine = abs(zip(u, v).reduce(0.0) { $0 + Double($1.0) * $1.1 })
            #expect(cosine >= 1 - 1e-6, "u\(i): |cos| \(cosine)")
        }
    }
}
