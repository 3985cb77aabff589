// smile-bench: the energy-map work of the benchmark, done with the Analysis library the way
// `smile-inspect model` streams a family, and nothing else — the same quantities as
// benchmarks/fusionbench_style.py and benchmarks/numpy_shared_svd.py compute (E_I, E_II, E_II+III per model
// per layer). It also times, in the same run, the GEMMs that per-model work consists of (see
// projectionGEMMs: BasisProjection's products down to the deepest cut) on the very same matrices, for the
// efficiency ratio.
//
//   smile-bench energy --base B --models M1 M2 … --out result.json [--complete-base]
//   smile-bench compare …   (Compare.swift: the full analysis with complete vs leading update spectra)
//   smile-bench rounding …  (Rounding.swift: the cost of measuring the storage-rounding floor)
//
// Output JSON: {"layers": [{"name", "rows", "columns", "read", "baseSVD", "perModel": [s], "gemm": [s],
// "energies": [[E_I, E_II, E_II+III]]}], "wall", "peakRSS"}.
import Analysis
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("smile-bench: \(message)\n".utf8))
    exit(2)
}

@Sendable func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let mode = arguments.first, ["energy", "compare", "rounding"].contains(mode) else { fail("usage: smile-bench energy|compare|rounding --base B --models M… --out file.json") }
arguments.removeFirst()
var base: String?, models = [String](), out: String?, completeBase = false, full = true, componentModels = 2
var tensorName: String?, repeats = 5
var i = 0
while i < arguments.count {
    switch arguments[i] {
    case "--base": base = arguments[i + 1]; i += 2
    case "--out": out = arguments[i + 1]; i += 2
    case "--complete-base": completeBase = true; i += 1
    case "--no-full": full = false; i += 1
    case "--tensor": tensorName = arguments[i + 1]; i += 2
    case "--repeats": repeats = Int(arguments[i + 1]) ?? 5; i += 2
    case "--component-models": componentModels = Int(arguments[i + 1]) ?? 2; i += 2
    case "--models":
        i += 1
        while i < arguments.count, !arguments[i].hasPrefix("--") { models.append(arguments[i]); i += 1 }
    default: fail("unknown argument \(arguments[i])")
    }
}
guard let base, let out, !models.isEmpty else { fail("give --base, --models and --out") }
let formsEveryBaseVector = completeBase

MemoryAccounting.returnLargeAllocationsToTheSystem()
if mode == "compare" {
    try runCompare(base: base, models: models, out: out, full: full, componentModels: componentModels)
    exit(0)
}
if mode == "rounding" {
    try runRounding(base: base, models: models, out: out, tensor: tensorName, repeats: repeats)
    exit(0)
}

/// Results by layer index, filled by concurrent workers.
final class Slots: @unchecked Sendable {
    let lock = NSLock()
    var items: [[String: Any]?]
    var next = 0
    var failure: Error?
    init(_ count: Int) { items = Array(repeating: nil, count: count) }
}

@Sendable func analyzeLayer(_ tensor: MatchedTensor, _ family: ModelFamily) throws -> [String: Any] {
    var w: MatrixF!, updates = [WeightUpdate]()
    let read = try seconds {
        w = try family.baseTensor(tensor.name).matrix!
        updates = try family.updates(for: tensor.name)
    }
    var svd: SingularValueDecomposition<Float>!
    var timings = LayerTimings()
    var sigma = [Float]()
    // Only the singular vectors the energy maps read (square layers: down to the deepest cut), as
    // `smile-inspect model` factors W_pre; `--complete-base` forms all of them (the path before #14).
    let analyzer = LayerAnalyzer(options: AnalysisOptions(computeIntruders: false), compute: ComputeSettings(leadingBaseVectors: !formsEveryBaseVector))
    let baseTime = try seconds { (svd, sigma) = try analyzer.decomposeBaseAsRead(w, name: tensor.name, timings: &timings) }
    let zones = ZoneSplit(rows: w.rows, columns: w.columns, singularValues: sigma.map(Double.init), rule: .smileDefault)
    // Project to the deepest cut on square sides, as `smile-inspect model` does (ComputeSettings).
    let depth = zones.leftCuts.last!
    var perModel = [Double](), gemm = [Double](), energies = [[Double]]()
    for update in updates {
        var map: EnergyMap!
        perModel.append(seconds { map = EnergyMap(projection: BasisProjection(update: update, base: svd, depth: depth), zones: zones) })
        energies.append([map.top, map.middle, map.middlePlusTail])
        if case let .dense(delta) = update {
            gemm.append(seconds { projectionGEMMs(delta, svd, depth: depth) })
        } else {
            gemm.append(0)
        }
    }
    FileHandle.standardError.write(Data(String(format: "  %@ %d×%d: base SVD %.2f s, per model %@ s (GEMMs %@ s)\n", tensor.name, w.rows, w.columns, baseTime,
                                               perModel.map { String(format: "%.2f", $0) }.joined(separator: " "),
                                               gemm.map { String(format: "%.2f", $0) }.joined(separator: " ")).utf8))
    return ["name": tensor.name, "rows": w.rows, "columns": w.columns, "read": read, "baseSVD": baseTime,
            "perModel": perModel, "gemm": gemm, "energies": energies, "baseFromGram": timings.baseFromGram, "baseVectors": timings.baseVectors]
}

/// The GEMMs of BasisProjection's dense path at this depth (its `DensePlan`), and nothing else.
@Sendable func projectionGEMMs(_ delta: MatrixF, _ svd: SingularValueDecomposition<Float>, depth: Int) {
    let plan = BasisProjection.DensePlan(rows: delta.rows, columns: delta.columns, depth: depth)
    let (u, vt) = plan.factors(of: svd)
    let y = plan.formsY ? delta.multiplied(by: vt, transposingOther: true) : nil
    let z = plan.formsZ ? u.multiplied(by: delta, transposingSelf: true) : nil
    _ = plan.coreFromZ ? z!.multiplied(by: vt, transposingOther: true) : u.multiplied(by: y!, transposingSelf: true)
}

// Layers in parallel as `smile-inspect model` runs them: one OpenBLAS thread per layer when there are
// at least as many layers as cores, all threads for a single layer.
let family = try ModelFamily.open(base: base, models: models)
let selected = family.matched.filter(\.isLinearWeight)
let cores = BLASThreads.current
let blasThreads = ExecutionSettings.defaultBLASThreads(layers: selected.count, available: cores)
BLASThreads.set(blasThreads)
let jobs = ExecutionSettings.automaticJobs(cores: cores, blasThreads: blasThreads)
let slots = Slots(selected.count)
let wall = seconds {
    DispatchQueue.concurrentPerform(iterations: Swift.min(jobs, Swift.max(1, selected.count))) { _ in
        while true {
            slots.lock.lock()
            let index = slots.next
            slots.next += 1
            slots.lock.unlock()
            guard index < selected.count else { return }
            do {
                let item = try analyzeLayer(selected[index], family)
                slots.lock.withLock { slots.items[index] = item }
            } catch {
                slots.lock.withLock { slots.failure = error }
            }
        }
    }
}
if let failure = slots.failure { fail("\(failure)") }
let layers = slots.items.map { $0! }
let result: [String: Any] = ["layers": layers, "wall": wall, "peakRSS": MemoryAccounting.peakResidentBytes(), "blasThreads": blasThreads, "jobs": jobs]
try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: out))
