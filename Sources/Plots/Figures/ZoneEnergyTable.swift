import Analysis

/// Each task's 3×3 zone energy map and random baselines, for one layer or for a whole model (every
/// layer's map weighted by the task's ‖ΔW‖² in that layer, i.e. shares of the task's whole update):
/// the data behind the zone-energy bars and the energy-map grid.
struct ZoneEnergyTable {
    /// What the maps describe: a layer name, or "whole model (N layers)".
    var subject: String
    /// The task names, in order.
    var tasks: [String]
    /// energy[t][a][b]: rows = left (output) zones, columns = right (input) zones.
    var energy: [[[Double]]]
    /// The share an isotropic random update of the same norm would put in each block.
    var baseline: [[[Double]]]
    /// Tasks whose update is zero (their maps are all 0).
    var isZero: [Bool]
    /// Blocks with no directions on one side (a square layer has no null space), shared by all tasks.
    var isEmptyBlock: [[Bool]]
    /// Row (left zone) and column (right zone) labels, with the zone sizes of a single layer.
    var rowLabels: [String]
    var columnLabels: [String]

    static let zoneNames = ["top", "middle", "tail"]

    /// One layer's maps.
    init(layer: LayerAnalysis) {
        subject = layer.name
        tasks = layer.taskNames
        energy = layer.tasks.map(\.energy.energy)
        baseline = layer.tasks.map(\.energy.baseline)
        isZero = layer.tasks.map(\.energy.isZeroUpdate)
        let zones = layer.zones
        isEmptyBlock = (0..<3).map { a in (0..<3).map { b in zones.leftDimension(a) == 0 || zones.rightDimension(b) == 0 } }
        rowLabels = (0..<3).map { "\(Self.zoneNames[$0]) (\(zones.leftDimension($0)))" }
        columnLabels = (0..<3).map { "\(Self.zoneNames[$0]) (\(zones.rightDimension($0)))" }
    }

    /// The whole model's maps: per task, Σ_l ‖ΔW_l‖² E_l / Σ_l ‖ΔW_l‖² (and the same for the baselines).
    init(report: FamilyReport) {
        let layers = report.layers
        subject = "whole model (\(layers.count) layer\(layers.count == 1 ? "" : "s"), ‖ΔW‖²-weighted)"
        tasks = report.taskNames
        let zero = Array(repeating: Array(repeating: 0.0, count: 3), count: 3)
        var energy = Array(repeating: zero, count: tasks.count), baseline = energy
        var mass = Array(repeating: 0.0, count: tasks.count)
        for layer in layers {
            for (t, task) in layer.tasks.enumerated() where t < tasks.count {
                let weight = task.spectrum.norm * task.spectrum.norm
                guard weight > 0, task.energy.energy.count == 3 else { continue }
                mass[t] += weight
                for a in 0..<3 {
                    for b in 0..<3 {
                        energy[t][a][b] += weight * task.energy.energy[a][b]
                        baseline[t][a][b] += weight * task.energy.baseline[a][b]
                    }
                }
            }
        }
        for t in tasks.indices where mass[t] > 0 {
            energy[t] = energy[t].map { $0.map { $0 / mass[t] } }
            baseline[t] = baseline[t].map { $0.map { $0 / mass[t] } }
        }
        self.energy = energy
        self.baseline = baseline
        isZero = mass.map { !($0 > 0) }
        isEmptyBlock = (0..<3).map { a in
            (0..<3).map { b in
                layers.allSatisfy { $0.zones.leftDimension(a) == 0 || $0.zones.rightDimension(b) == 0 }
            }
        }
        rowLabels = Self.zoneNames
        columnLabels = Self.zoneNames
    }

    /// E_I: the top × top block.
    func top(_ t: Int) -> Double { energy[t][0][0] }
    /// E_II: the middle × middle block.
    func middle(_ t: Int) -> Double { energy[t][1][1] }
    /// The rest of E_II+III: blocks with a tail side and no top side.
    func tailBlocks(_ t: Int) -> Double { energy[t][1][2] + energy[t][2][1] + energy[t][2][2] }
    /// Blocks with exactly one top side.
    func cross(_ t: Int) -> Double { energy[t][0][1] + energy[t][0][2] + energy[t][1][0] + energy[t][2][0] }
    /// E_I / its random baseline (nil for a zero update or an empty top zone).
    func topRatio(_ t: Int) -> Double? {
        guard !isZero[t], baseline[t][0][0] > 0 else { return nil }
        return energy[t][0][0] / baseline[t][0][0]
    }
}
