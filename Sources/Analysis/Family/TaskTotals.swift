/// One task's update over every analysed 2-D weight of a family: the model-level counterparts of the
/// per-layer scalars, each layer weighted by its share of the task's whole update.
///
/// With ‖ΔW‖ₗ the task's update norm in layer l and Eₗ its energy map there:
/// - `E_I` = Σₗ ‖ΔW‖ₗ² Eₗ[top][top] / Σₗ ‖ΔW‖ₗ² (the same number as ``FamilySummary/topEnergy``);
///   `E_II`, `E_II_III` and `topCross` likewise from E[middle][middle], the blocks with neither side in top,
///   and the blocks with exactly one side in top;
/// - `deltaNorm` = √(Σₗ ‖ΔW‖ₗ²), the Frobenius norm of the task vector restricted to these weights;
/// - `relativeNorm` = `deltaNorm` / √(Σₗ ‖W_pre‖ₗ²) (0 when the base weights are zero);
/// - `layers`: how many 2-D weights entered the sums;
/// - `storageRoundingShare` = Σₗ E_round,ₗ / Σₗ ‖ΔW‖ₗ² over the layers whose storage rounding was measured
///   (``StorageRounding``; the ‖ΔW‖²-weighted mean of their ρ), `storageRoundingLayers` how many they are;
///   nil (and 0) when no layer was measured or their updates are all zero.
///
/// A task whose every update is zero has all energies 0. A pure function of the per-layer records.
public struct TaskTotals: Codable, Sendable, Equatable {
    public var task: String
    public var E_I: Double
    public var E_II: Double
    public var E_II_III: Double
    public var topCross: Double
    public var deltaNorm: Double
    public var relativeNorm: Double
    public var layers: Int
    public var storageRoundingShare: Double?
    public var storageRoundingLayers: Int

    /// The totals of every task of `layers` (all over the same tasks, in `taskNames` order).
    public static func of(_ layers: [LayerAnalysis], taskNames: [String]) -> [TaskTotals] {
        let baseMass = layers.reduce(0.0) { $0 + $1.baseNorm * $1.baseNorm }
        return taskNames.indices.map { i in
            var mass = 0.0, top = 0.0, middle = 0.0, rest = 0.0, cross = 0.0
            var rounding = 0.0, roundedMass = 0.0, roundedLayers = 0
            for layer in layers where i < layer.tasks.count {
                let task = layer.tasks[i]
                let weight = task.spectrum.norm * task.spectrum.norm
                mass += weight
                top += weight * task.energy.top
                middle += weight * task.energy.middle
                rest += weight * task.energy.middlePlusTail
                cross += weight * task.energy.topCross
                if let measured = task.storageRounding {
                    rounding += measured.energy
                    roundedMass += weight
                    roundedLayers += 1
                }
            }
            let share = { (sum: Double) in mass > 0 ? sum / mass : 0 }
            return TaskTotals(
                task: taskNames[i], E_I: share(top), E_II: share(middle), E_II_III: share(rest), topCross: share(cross),
                deltaNorm: mass.squareRoot(), relativeNorm: baseMass > 0 ? (mass / baseMass).squareRoot() : 0, layers: layers.count,
                storageRoundingShare: roundedMass > 0 ? rounding / roundedMass : nil, storageRoundingLayers: roundedLayers)
        }
    }
}
