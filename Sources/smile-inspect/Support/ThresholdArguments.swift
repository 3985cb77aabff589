import Analysis
import ArgumentParser

/// The verdict thresholds, as options. They are judging options: a report from a results store can be
/// re-judged with other values without recomputing anything.
struct ThresholdArguments: ParsableArguments {
    @Option(parsing: .unconditional, help: "Worst-task residual L(λ*) at which the set becomes risky.")
    var residualRisky = VerdictThresholds().residualRisky
    @Option(parsing: .unconditional, help: "Worst-task residual L(λ*) at which the set is not mergeable.")
    var residualNotMergeable = VerdictThresholds().residualNotMergeable
    @Option(parsing: .unconditional, help: "|cosine| between task vectors at which the set becomes risky.")
    var cosineRisky = VerdictThresholds().cosineRisky
    @Option(parsing: .unconditional, help: "Top-zone energy E_I at which the set becomes risky.")
    var topEnergyRisky = VerdictThresholds().topEnergyRisky
    @Option(parsing: .unconditional, help: "Top-zone energy E_I at which the set is not mergeable.")
    var topEnergyNotMergeable = VerdictThresholds().topEnergyNotMergeable
    @Option(parsing: .unconditional, help: "Share of the update energy in layers that are not mergeable on their own at which the set becomes risky.")
    var layerShareRisky = VerdictThresholds().layerShareRisky
    @Option(parsing: .unconditional, help: "Share of the update energy in layers that are not mergeable on their own at which the set is not mergeable.")
    var layerShareNotMergeable = VerdictThresholds().layerShareNotMergeable

    func validate() throws {
        let values = [
            ("--residual-risky", residualRisky), ("--residual-not-mergeable", residualNotMergeable), ("--cosine-risky", cosineRisky),
            ("--top-energy-risky", topEnergyRisky), ("--top-energy-not-mergeable", topEnergyNotMergeable),
            ("--layer-share-risky", layerShareRisky), ("--layer-share-not-mergeable", layerShareNotMergeable),
        ]
        for (name, value) in values where !(value >= 0 && value.isFinite) {
            throw ValidationError("\(name) must be a finite number ≥ 0, got \(value)")
        }
        guard residualRisky <= residualNotMergeable, topEnergyRisky <= topEnergyNotMergeable, layerShareRisky <= layerShareNotMergeable else {
            throw ValidationError("each risky threshold must not exceed its not-mergeable threshold")
        }
    }

    var thresholds: VerdictThresholds {
        VerdictThresholds(
            residualRisky: residualRisky, residualNotMergeable: residualNotMergeable, cosineRisky: cosineRisky,
            topEnergyRisky: topEnergyRisky, topEnergyNotMergeable: topEnergyNotMergeable,
            layerShareRisky: layerShareRisky, layerShareNotMergeable: layerShareNotMergeable)
    }
}
