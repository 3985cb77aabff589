// A runnable example of the Analysis library API: open a family, analyse one layer, print its energy maps.
//
//   swift run energy-map-example                                  # the built-in demo family
//   swift run energy-map-example BASE MODEL... --layer NAME       # your own checkpoints / LoRA adapters
import Analysis
import Foundation

var arguments = Array(CommandLine.arguments.dropFirst())
var layerQuery = "layer.0.attention.self.query"
if let flag = arguments.firstIndex(of: "--layer"), flag + 1 < arguments.count {
    layerQuery = arguments[flag + 1]
    arguments.removeSubrange(flag...(flag + 1))
}

do {
    // 1. A family: a base checkpoint and fine-tunes of it (full checkpoints or PEFT LoRA adapters).
    let base: String, models: [String]
    if arguments.count >= 2 {
        base = arguments[0]
        models = Array(arguments.dropFirst())
    } else {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("energy-map-example")
        let paths = try DemoFamily.write(to: directory)
        base = paths.base.path
        models = paths.models.map(\.path)
    }
    let family = try ModelFamily.open(base: base, models: models)

    // 2. One layer: W_pre and every task's update ΔW (LoRA updates stay as factors).
    let name = try family.resolve(layer: layerQuery)
    guard let weight = try family.baseTensor(name).matrix else { fatalError("\(name) is not a matrix") }
    let updates = try family.updates(for: name)

    // 3. The analysis: one SVD of W_pre shared by all tasks, zones, energy maps, interference, verdict.
    let layer = try LayerAnalyzer().analyze(name: name, base: weight, updates: updates, taskNames: family.taskNames)

    print("\(name): \(layer.rows)×\(layer.columns), top zone k = \(layer.topRank) of r = \(layer.rank)")
    for task in layer.tasks {
        print("\n\(task.task): ‖ΔW‖/‖W‖ = \(String(format: "%.2f%%", 100 * task.spectrum.relativeNorm)),",
              "E_I = \(String(format: "%.1f%%", 100 * task.energy.top)), E_II+III = \(String(format: "%.1f%%", 100 * task.energy.middlePlusTail))")
        let zones = task.energy.zones.names
        print("out \\ in".padding(toLength: 10, withPad: " ", startingAt: 0) + zones.map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined())
        for (a, row) in task.energy.energy.enumerated() {
            let cells = row.map { String(format: "%.2f%%", 100 * $0).padding(toLength: 10, withPad: " ", startingAt: 0) }
            print(zones[a].padding(toLength: 10, withPad: " ", startingAt: 0) + cells.joined())
        }
    }
    if let verdict = layer.verdict {
        print("\nverdict for this layer: \(verdict.level.rawValue), λ* = \(verdict.lambdaStar.map { String(format: "%.2f", $0) } ?? "—")")
        for signal in verdict.signals { print("  \(signal.reason)") }
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(3)
}
