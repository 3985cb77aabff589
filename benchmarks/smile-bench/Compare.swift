// `smile-bench compare`: the full layer analysis with W_pre's complete factorization (every singular
// vector, the path before issue #14) and with only the leading vectors the analysis reads, back to back
// in one process on the same layers, so both see the same machine load. Per layer it also times, on the
// same matrices, the GEMM work the per-model analysis cannot avoid: the projection to the deepest cut
// (BasisProjection's DensePlan) and the Gram matrix ΔWᵀΔW (Float GEMM, m·n² multiply-adds) from which all
// of ΔW's singular values come; and ΔW's values-only factorization (Gram + tridiagonal reduction + dsterf).
//
//   smile-bench compare --base B --models M1 M2 … --out result.json
import Analysis
import Foundation

/// The 1-minute load average (/proc/loadavg).
func loadAverage() -> Double {
    let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
    return Double(text.split(separator: " ").first ?? "") ?? .nan
}

/// max |x − y| over the energies, spectra, intruder cosines and interference Gram tensors of two analyses.
func largestDifference(_ a: LayerAnalysis, _ b: LayerAnalysis) -> Double {
    var worst = 0.0
    func see(_ x: [Double], _ y: [Double]) { for (p, q) in zip(x, y) { worst = Swift.max(worst, abs(p - q)) } }
    see(a.baseSingularValues.map { $0 / a.baseSingularValues[0] }, b.baseSingularValues.map { $0 / b.baseSingularValues[0] })
    for (s, t) in zip(a.tasks, b.tasks) {
        see(Array(s.energy.energy.joined()), Array(t.energy.energy.joined()))
        see(s.intruders?.maxCosine ?? [], t.intruders?.maxCosine ?? [])
        see(s.spectrum.energyCurve, t.spectrum.energyCurve)
    }
    see(Array((a.interference?.gram ?? []).joined().joined()), Array((b.interference?.gram ?? []).joined().joined()))
    return worst
}

func runCompare(base: String, models: [String], out: String) throws {
    let family = try ModelFamily.open(base: base, models: models)
    let selected = family.matched.filter(\.isLinearWeight)
    var layers = [[String: Any]]()
    let wall = try seconds {
        for tensor in selected {
            let w = try family.baseTensor(tensor.name).matrix!
            let updates = try family.updates(for: tensor.name)
            let names = updates.indices.map { "m\($0)" }
            let loadBefore = loadAverage()
            var complete = LayerTimings(), leading = LayerTimings()
            var a: LayerAnalysis!, b: LayerAnalysis!
            let completeTime = try seconds {
                a = try LayerAnalyzer(compute: ComputeSettings(leadingBaseVectors: false)).analyze(name: tensor.name, base: w, updates: updates, taskNames: names, timings: &complete)
            }
            let leadingTime = try seconds {
                b = try LayerAnalyzer().analyze(name: tensor.name, base: w, updates: updates, taskNames: names, timings: &leading)
            }
            // The unavoidable GEMM work per model, on the same matrices.
            let svd = try LayerAnalyzer().decomposeBase(w, name: tensor.name, timings: &complete)
            let depth = b.zones.leftCuts.last!
            var projection = [Double](), gram = [Double](), valuesOnly = [Double]()
            for update in updates {
                guard case let .dense(delta) = update else { continue }
                projection.append(seconds { projectionGEMMs(delta, svd, depth: depth) })
                gram.append(seconds { _ = delta.multiplied(by: delta, transposingSelf: true) })
                valuesOnly.append(try seconds { _ = try delta.singularValueDecompositionFromGram(keepingVectors: { _ in 0 }) })
            }
            let item: [String: Any] = [
                "name": tensor.name, "rows": w.rows, "columns": w.columns, "tasks": updates.count,
                "complete": ["wall": completeTime, "baseSVD": complete.baseSVD, "perTask": complete.perTask, "intruders": complete.intruders, "crossTask": complete.crossTask, "baseVectors": complete.baseVectors],
                "leading": ["wall": leadingTime, "baseSVD": leading.baseSVD, "perTask": leading.perTask, "intruders": leading.intruders, "crossTask": leading.crossTask, "baseVectors": leading.baseVectors,
                            "baseCompletedForIntruders": leading.baseCompletedForIntruders, "intruderFallbacks": leading.intruderFallbacks],
                "projectionGEMM": projection, "gramGEMM": gram, "updateValuesOnly": valuesOnly,
                "rank90": b.tasks.map(\.spectrum.effectiveRank90), "depth": depth,
                "maxAbsDifference": largestDifference(a, b), "load": [loadBefore, loadAverage()],
            ]
            FileHandle.standardError.write(Data(String(format: "  %@ %d×%d: complete %.1f s (base %.1f), leading %.1f s (base %.1f, %d vectors), Δ %.1e, load %.1f→%.1f\n",
                                                       tensor.name, w.rows, w.columns, completeTime, complete.baseSVD, leadingTime, leading.baseSVD, leading.baseVectors,
                                                       largestDifference(a, b), loadBefore, loadAverage()).utf8))
            layers.append(item)
        }
    }
    let result: [String: Any] = ["layers": layers, "wall": wall, "peakRSS": MemoryAccounting.peakResidentBytes(), "blasThreads": BLASThreads.current]
    try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: out))
}
