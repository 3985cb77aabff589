// `smile-bench compare`: the full layer analysis with every σ of each ΔW (one tridiagonal reduction,
// `dsytrd`: ComputeSettings.leadingUpdateSpectra = nil, the path before issue #24) and with the spectra
// only as deep as the report reads (the default: certified block iteration, the complete reduction as
// fallback), back to back in one process on the same layers, so both see the same machine load. Per layer
// it also times, on the same matrices, the pieces those paths are made of: for the first
// `--component-models` updates ΔW's values alone by `sgesdd` (jobz = 'N'), by the Double Gram + one-stage
// reduction + `dsterf`, by the Double Gram + two-stage reduction, and its leading spectrum to 99% energy
// (as the analysis runs it, and judged only after a block's second pass as before the first-pass sketch);
// one pass of the block iteration (A in Double, P = A Xᵀ, S = PᵀA) at widths 32…1024, against which the
// one-stage time gives the crossover width; the Float Gram GEMM ΔWᵀΔW and the projection GEMMs to the deepest cut; for
// W_pre its values by both reductions and, on a non-square layer, the one Double GEMM (long side × r×r)
// that any orthonormal basis of its long side's range costs — the bound of the base factorization there;
// and the intruder search: forming W_ft = W_pre + ΔW, then its top-10 left vectors by randomized subspace
// iteration from a Gaussian start (the path before the warm start) and warm-started from W_pre's leading
// vectors (the default), with their iterations and the largest difference in the max |cos| they give.
//
//   smile-bench compare --base B --models M1 M2 … --out result.json [--no-full] [--component-models N]
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
        see(s.spectrum.singularValues.map { $0 / s.spectrum.singularValues[0] }, t.spectrum.singularValues.map { $0 / t.spectrum.singularValues[0] })
    }
    see(Array((a.interference?.gram ?? []).joined().joined()), Array((b.interference?.gram ?? []).joined().joined()))
    return worst
}

/// The timings of one analysis as JSON.
func timingsJSON(_ t: LayerTimings, wall: Double) -> [String: Any] {
    ["wall": wall, "baseSVD": t.baseSVD, "perTask": t.perTask, "intruders": t.intruders, "crossTask": t.crossTask, "baseVectors": t.baseVectors]
}

func runCompare(base: String, models: [String], out: String, full: Bool, componentModels: Int) throws {
    let family = try ModelFamily.open(base: base, models: models)
    let selected = family.matched.filter(\.isLinearWeight)
    var layers = [[String: Any]]()
    let wall = try seconds {
        for tensor in selected {
            let w = try family.baseTensor(tensor.name).matrix!
            let updates = try family.updates(for: tensor.name)
            let names = updates.indices.map { "m\($0)" }
            var item: [String: Any] = ["name": tensor.name, "rows": w.rows, "columns": w.columns, "tasks": updates.count]
            var line = "  \(tensor.name) \(w.rows)×\(w.columns):"
            if full {
                let loadBefore = loadAverage()
                var oneStage = LayerTimings(), twoStage = LayerTimings()
                var a: LayerAnalysis!, b: LayerAnalysis!
                let oneStageTime = try seconds {
                    a = try LayerAnalyzer(compute: ComputeSettings(leadingUpdateSpectra: nil)).analyze(name: tensor.name, base: w, updates: updates, taskNames: names, timings: &oneStage)
                }
                let twoStageTime = try seconds {
                    b = try LayerAnalyzer().analyze(name: tensor.name, base: w, updates: updates, taskNames: names, timings: &twoStage)
                }
                item["complete"] = timingsJSON(oneStage, wall: oneStageTime)
                item["leading"] = timingsJSON(twoStage, wall: twoStageTime)
                item["rank90"] = b.tasks.map(\.spectrum.effectiveRank90)
                item["rank99"] = b.tasks.map(\.spectrum.effectiveRank99)
                item["computation"] = b.tasks.map(\.spectrum.computation.rawValue)
                item["maxAbsDifference"] = largestDifference(a, b)
                item["fullLoad"] = [loadBefore, loadAverage()]
                line += String(format: " complete %.1f s (tasks %@), leading %.1f s (tasks %@: %@), rank90 %@, rank99 %@, Δ %.1e, load %.1f→%.1f;", oneStageTime,
                               oneStage.perTask.map { String(format: "%.2f", $0) }.joined(separator: " "), twoStageTime,
                               twoStage.perTask.map { String(format: "%.2f", $0) }.joined(separator: " "), b.tasks.map(\.spectrum.computation.rawValue).joined(separator: " "),
                               b.tasks.map { String($0.spectrum.effectiveRank90) }.joined(separator: " "),
                               b.tasks.map { String($0.spectrum.effectiveRank99) }.joined(separator: " "), largestDifference(a, b), loadBefore, loadAverage())
            }
            // The pieces, on the same matrices.
            let loadBefore = loadAverage()
            var timings = LayerTimings()
            var svd: SingularValueDecomposition<Float>!, sigma = [Float]()
            let baseAsRead = try seconds { (svd, sigma) = try LayerAnalyzer().decomposeBaseAsRead(w, name: tensor.name, timings: &timings) }
            let depth = ZoneSplit(rows: w.rows, columns: w.columns, singularValues: sigma.map(Double.init), rule: .smileDefault).leftCuts.last!
            let baseOneStage = try seconds { _ = try w.singularValueDecompositionFromGram(keepingVectors: { _ in 0 }) }
            let baseTwoStage = try seconds { _ = try w.singularValuesFromGram() }
            var rangeBasis = 0.0
            if w.rows != w.columns {
                // W·X (long side × r, r×r X) in Double: the flops of W·V, or of W·R⁻¹, or of a QR's Q.
                let long = w.rows > w.columns ? w : w.transposed
                let wide = long.converted(to: Double.self)
                let x = RandomMatrixForTiming.double(long.columns)
                rangeBasis = seconds { _ = wide.multiplied(by: x) }
            }
            var projection = [Double](), gram = [Double](), sgesdd = [Double](), valuesOneStage = [Double](), valuesTwoStage = [Double](), leading = [Double](), leadingTwoPasses = [Double]()
            var passes = [String: Double]()
            var formFineTuned = [Double](), intrudersCold = [Double](), intrudersWarm = [Double](), iterationsCold = [Int](), iterationsWarm = [Int]()
            var intruderDifference = 0.0
            for update in updates.prefix(componentModels) {
                guard case let .dense(delta) = update else { continue }
                // The intruder search on W_ft = W_pre + ΔW: cold (Gaussian start, before) and warm-started
                // from W_pre's leading left vectors (this code), and the max |Δ max cos| between them.
                var fineTuned = w
                formFineTuned.append(seconds { fineTuned = update.fineTuned(from: w) })
                let settings = TruncatedSVDSettings(), top = AnalysisOptions().intruderTop
                var cold: TruncatedSVDOutcome!, warm: TruncatedSVDOutcome!
                intrudersCold.append(try seconds { cold = try fineTuned.topSingularTriplets(top, settings: settings) })
                intrudersWarm.append(try seconds { warm = try fineTuned.topSingularTriplets(top, settings: settings, start: svd.u.columns(0..<Swift.min(svd.rank, settings.oversampling))) })
                iterationsCold.append(cold.iterations)
                iterationsWarm.append(warm.iterations)
                let a = IntruderDimensions(fineTuned: cold.decomposition, base: svd), b = IntruderDimensions(fineTuned: warm.decomposition, base: svd)
                for (x, y) in zip(a.maxCosine, b.maxCosine) { intruderDifference = Swift.max(intruderDifference, abs(x - y)) }
                projection.append(seconds { projectionGEMMs(delta, svd, depth: depth) })
                gram.append(seconds { _ = delta.multiplied(by: delta, transposingSelf: true) })
                sgesdd.append(try seconds { _ = try delta.singularValuesOnly() })
                valuesOneStage.append(try seconds { _ = try delta.singularValueDecompositionFromGram(keepingVectors: { _ in 0 }) })
                valuesTwoStage.append(try seconds { _ = try delta.singularValuesFromGram() })
                leading.append(try seconds { _ = try delta.leadingSingularSpectrum(holding: 0.99, vectors: { _, _ in 0 }) })
                leadingTwoPasses.append(try seconds { _ = try delta.leadingSingularSpectrum(holding: 0.99, vectors: { _, _ in 0 }, settings: LeadingSpectrumSettings(firstPassSketch: false)) })
                if passes.isEmpty {
                    for width in [32, 64, 128, 256, 512, 1024] where width <= delta.minDimension {
                        let x = Matrix<Double>(rows: width, columns: delta.columns, elements: RandomMatrixForTiming.double(delta.columns).elements.prefix(width * delta.columns).map { $0 })
                        passes[String(width)] = seconds { let d = delta.converted(to: Double.self); _ = d.multiplied(by: x, transposingOther: true).multiplied(by: d, transposingSelf: true) }
                    }
                }
            }
            item["components"] = [
                "baseAsRead": baseAsRead, "baseVectors": timings.baseVectors, "baseValuesOneStage": baseOneStage, "baseValuesTwoStage": baseTwoStage,
                "rangeBasisGEMM": rangeBasis, "depth": depth, "projectionGEMM": projection, "gramGEMM": gram,
                "updateValuesSgesdd": sgesdd, "updateValuesOneStage": valuesOneStage, "updateValuesTwoStage": valuesTwoStage,
                "updateLeadingSpectrum": leading, "updateLeadingSpectrumTwoPasses": leadingTwoPasses, "blockPass": passes,
                "formFineTuned": formFineTuned, "intrudersCold": intrudersCold, "intrudersWarm": intrudersWarm,
                "intruderIterationsCold": iterationsCold, "intruderIterationsWarm": iterationsWarm, "intruderMaxCosDifference": intruderDifference,
                "load": [loadBefore, loadAverage()],
            ] as [String: Any]
            func list(_ x: [Double]) -> String { x.map { String(format: "%.1f", $0) }.joined(separator: " ") }
            func list2(_ x: [Double]) -> String { x.map { String(format: "%.2f", $0) }.joined(separator: " ") }
            let passList = passes.keys.sorted { Int($0)! < Int($1)! }.map { "ℓ=\($0) \(String(format: "%.2f", passes[$0]!))" }.joined(separator: ", ")
            line += String(format: " base as read %.1f s (%d vectors), base values one-stage %.1f s / two-stage %.1f s, range-basis GEMM %.1f s; ΔW values sgesdd %@ / one-stage %@ / two-stage %@ / leading to 99%% %@ s (judged after two passes: %@ s); one block pass %@ s; Gram GEMM %@, projection %@ s; W_ft formed %@ s, intruders cold %@ s (%@ iterations) / warm %@ s (%@), max |Δ cos| %.1e; load %.1f→%.1f\n",
                            baseAsRead, timings.baseVectors, baseOneStage, baseTwoStage, rangeBasis, list(sgesdd), list(valuesOneStage), list(valuesTwoStage), list(leading), list(leadingTwoPasses), passList, list(gram), list(projection),
                            list2(formFineTuned), list2(intrudersCold), iterationsCold.map(String.init).joined(separator: " "), list2(intrudersWarm), iterationsWarm.map(String.init).joined(separator: " "), intruderDifference, loadBefore, loadAverage())
            FileHandle.standardError.write(Data(line.utf8))
            layers.append(item)
        }
    }
    let result: [String: Any] = ["layers": layers, "wall": wall, "peakRSS": MemoryAccounting.peakResidentBytes(), "blasThreads": BLASThreads.current]
    try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: out))
}

/// A seeded n×n Double matrix, for timing a GEMM (its values do not matter).
enum RandomMatrixForTiming {
    static func double(_ n: Int) -> Matrix<Double> {
        var generator = SplitMix64(seed: 14)
        return Matrix(rows: n, columns: n, elements: (0..<(n * n)).map { _ in Double(generator.next() % 1024) / 1024 - 0.5 })
    }
}
