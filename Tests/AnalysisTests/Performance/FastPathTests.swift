import Foundation
import Testing
@testable import Analysis

/// The 2-GEMM projection and the LoRA Gram path against the textbook three products, and whole layers
/// with every fast path on against ``ComputeSettings/reference``.
@Suite struct FastPathTests {
    /// The original definition: Y = ΔW V, Z = Uᵀ ΔW, P = Uᵀ Y.
    static func textbook(_ delta: MatrixF, _ base: SingularValueDecomposition<Float>) -> BasisProjection {
        let y = delta.multiplied(by: base.vt, transposingOther: true)
        let z = base.u.multiplied(by: delta, transposingSelf: true)
        let core = base.u.multiplied(by: y, transposingSelf: true)
        return BasisProjection(
            coreEnergy: Matrix(rows: core.rows, columns: core.columns, elements: core.elements.map { Double($0) * Double($0) }),
            leftMass: z.rowNormsSquared, rightMass: y.columnNormsSquared,
            total: Double(delta.frobeniusNormSquared))
    }

    static func expectClose(_ a: BasisProjection, _ b: BasisProjection) {
        let scale = Swift.max(b.total, 1e-30)
        #expect(abs(a.total - b.total) <= 1e-5 * scale)
        for (x, y) in zip(a.coreEnergy.elements, b.coreEnergy.elements) { #expect(abs(x - y) <= 1e-5 * scale) }
        for (x, y) in zip(a.leftMass, b.leftMass) { #expect(abs(x - y) <= 1e-5 * scale) }
        for (x, y) in zip(a.rightMass, b.rightMass) { #expect(abs(x - y) <= 1e-5 * scale) }
    }

    @Test(arguments: [(40, 24), (24, 40), (32, 32)])
    func projectionMatchesTheTextbookProducts(shape: (Int, Int)) throws {
        let (m, n) = shape
        let base = try SpectralMatrices.decaying(m, n, seed: 21).singularValueDecomposition()
        let dense = RandomMatrices.gaussian(m, n, seed: 22, scale: 0.1)
        Self.expectClose(BasisProjection(update: .dense(dense), base: base), Self.textbook(dense, base))
        let lora = RandomMatrices.lowRank(m, n, rank: 3, seed: 23)
        Self.expectClose(BasisProjection(update: lora, base: base), Self.textbook(lora.dense, base))
        let untouched = WeightUpdate.lowRank(b: MatrixF(zeros: m, 0), a: MatrixF(zeros: 0, n), scale: 1)
        let zero = BasisProjection(update: untouched, base: base)
        #expect(zero.total == 0 && zero.leftMass.allSatisfy { $0 == 0 } && zero.rightMass.allSatisfy { $0 == 0 })
    }

    /// Projecting only down to the deepest cut (on the square sides) gives the maps of the full
    /// projection: 3- and 4-way splits, square, tall and wide, cuts at 0, inside and at r.
    @Test(arguments: [(40, 40), (48, 30), (30, 48)])
    func projectionToTheDeepestCutGivesTheSameMaps(shape: (Int, Int)) throws {
        let (m, n) = shape
        let r = Swift.min(m, n)
        let base = try SpectralMatrices.decaying(m, n, seed: 51).singularValueDecomposition()
        let updates: [WeightUpdate] = [
            .dense(RandomMatrices.gaussian(m, n, seed: 52, scale: 0.1)),
            .dense(base.u.columns(0..<3) * RandomMatrices.gaussian(3, n, seed: 53)),
            .dense(MatrixF(zeros: m, n)),
        ]
        for cuts in [[0], [7], [r], [5, 12], [9, r], [r, r]] {
            let zones = ZoneSplit(rows: m, columns: n, cuts: cuts)
            for update in updates {
                let full = EnergyMap(projection: BasisProjection(update: update, base: base), zones: zones)
                let shallow = EnergyMap(projection: BasisProjection(update: update, base: base, depth: cuts.last!), zones: zones)
                #expect(shallow.isZeroUpdate == full.isZeroUpdate)
                for (x, y) in zip(shallow.energy.joined(), full.energy.joined()) {
                    #expect(abs(x - y) <= 2e-6, "cuts \(cuts): \(x) vs \(y)")
                }
                #expect(abs(shallow.energy.joined().reduce(0, +) - (full.isZeroUpdate ? 0 : 1)) <= 2e-6)  // clamped round-off
            }
        }
    }

    /// Non-square layers, and a square one where only W_pre's leading vectors are formed.
    @Test(arguments: [(1, 72, 56), (3, 72, 56), (3, 96, 96)])
    func layerAgreesWithTheReferencePath(tasks: Int, m: Int, n: Int) throws {
        let base = SpectralMatrices.decaying(m, n, seed: 31)
        var updates = [WeightUpdate]()
        for t in 0..<tasks {
            updates.append(t == 1 ? RandomMatrices.lowRank(m, n, rank: 4, seed: 40 + UInt64(t))
                                  : .dense(RandomMatrices.gaussian(m, n, seed: 40 + UInt64(t), scale: 0.05)))
        }
        let names = (0..<tasks).map { "t\($0)" }
        let fast = try LayerAnalyzer(options: AnalysisOptions(), compute: ComputeSettings(intruderVectors: .gram)).analyze(name: "w", base: base, updates: updates, taskNames: names)
        let reference = try LayerAnalyzer(options: AnalysisOptions(), compute: .reference).analyze(name: "w", base: base, updates: updates, taskNames: names)
        Self.expectAgreement(fast, reference)
    }

    /// Two analyses of the same layer agree on every number within 1e-4 (relative above 1).
    static func expectAgreement(_ fast: LayerAnalysis, _ reference: LayerAnalysis) {
        let tasks = reference.tasks.count
        #expect(fast.tasks.count == tasks)
        #expect(fast.zones.leftCuts == reference.zones.leftCuts && fast.zonesFourWay?.leftCuts == reference.zonesFourWay?.leftCuts)
        for (x, y) in zip(fast.baseSingularValues, reference.baseSingularValues) {
            #expect(abs(x - y) <= 1e-5 * Swift.max(reference.baseSingularValues[0], abs(y)), "σ(W): \(x) vs \(y)")
        }
        func close(_ x: Double, _ y: Double, _ what: String) { #expect(abs(x - y) <= 1e-4 * Swift.max(1, abs(y)), "\(what): \(x) vs \(y)") }
        for (a, b) in zip(fast.tasks, reference.tasks) {
            for (x, y) in zip(a.energy.energy.joined(), b.energy.energy.joined()) { close(x, y, "energy") }
            for (x, y) in zip(a.spectrum.singularValues, b.spectrum.singularValues) { close(x, y, "σ(ΔW)") }
            for (x, y) in zip(a.intruders!.maxCosine, b.intruders!.maxCosine) { close(x, y, "intruder cos") }
            #expect(a.intruders!.intruders == b.intruders!.intruders)
            #expect(a.expertRank == b.expertRank)
        }
        #expect((fast.interference == nil) == (reference.interference == nil))
        if tasks >= 2, let fi = fast.interference, let ri = reference.interference {
            #expect(fi.ranks == ri.ranks)
            for (x, y) in zip(fi.gram.joined().joined(), ri.gram.joined().joined()) { close(x, y, "gram") }
            close(fast.singularTaskInterference!.value, reference.singularTaskInterference!.value, "STI")
            for (x, y) in zip(fast.similarity!.cosine.joined(), reference.similarity!.cosine.joined()) { close(x, y, "cosine") }
            let (fv, rv) = (fast.verdict!, reference.verdict!)
            #expect(fv.level == rv.level)
            #expect(fv.signals.map(\.level) == rv.signals.map(\.level))
            for (x, y) in zip(fv.signals, rv.signals) { close(x.value, y.value, x.name) }
        }
    }
}
