// `smile-bench rounding`: what measuring the storage-rounding floor adds to forming a dense ΔW. For one
// tensor of a family (the base's first 2-D tensor unless `--tensor` names one), the first model's stored
// W_ft: its read and decode (`Checkpoint.tensor`), ΔW = W_ft − W_pre by the plain element-wise subtraction
// (the pass before the floor was measured), and the same ΔW with E_round and the unchanged count from the
// one fused pass (`StorageRounding.difference`), each the best of `--repeats` (default 5), one thread.
//
//   smile-bench rounding --base B --models M --out result.json [--tensor NAME] [--repeats N]
import Analysis
import Foundation

func runRounding(base: String, models: [String], out: String, tensor: String?, repeats: Int) throws {
    let baseCheckpoint = try Checkpoint(url: URL(fileURLWithPath: base))
    let checkpoint = try Checkpoint(url: URL(fileURLWithPath: models[0]))
    guard let name = tensor ?? baseCheckpoint.tensors.first(where: { $0.shape.count == 2 })?.name else { fail("no 2-D weight") }
    guard let info = checkpoint.info(name) else { fail("\(models[0]) holds no \(name)") }
    let pre = try baseCheckpoint.tensor(name).values
    var ft = [Float]()
    func best(_ body: () throws -> Void) rethrows -> Double {
        var times = [Double]()
        for _ in 0..<repeats { times.append(try seconds(body)) }
        return times.min()!
    }
    let read = try best { ft = try checkpoint.tensor(name).values }
    var plain = [Float](), fused = [Float](), rounding: StorageRounding?
    let subtract = best { plain = zip(ft, pre).map { $0 - $1 } }
    let measured = best { (fused, rounding) = StorageRounding.difference(fineTuned: ft, base: pre, storedAs: info.dtype, baseStoredAs: baseCheckpoint.info(name)!.dtype) }
    guard plain == fused else { fail("the fused pass changed ΔW") }
    let updateEnergy = fused.reduce(0.0) { $0 + Double($1) * Double($1) }
    let share = rounding?.sharing(of: updateEnergy).share
    FileHandle.standardError.write(Data(String(
        format: "%@ %@ %@: read+decode %.1f ms, ΔW %.1f ms, ΔW + rounding %.1f ms (+%.1f ms); ρ %.4g, unchanged %d of %d\n",
        name, info.dtype.rawValue, info.shape.map(String.init).joined(separator: "×"), 1e3 * read, 1e3 * subtract, 1e3 * measured,
        1e3 * (measured - subtract), share ?? .nan, rounding?.unchangedEntries ?? -1, ft.count).utf8))
    let result: [String: Any] = [
        "tensor": name, "dtype": info.dtype.rawValue, "shape": info.shape, "repeats": repeats, "read": read, "subtract": subtract,
        "subtractAndRounding": measured, "share": share ?? NSNull(), "unchanged": rounding?.unchangedEntries ?? -1, "load": loadAverage()]
    try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: out))
}
