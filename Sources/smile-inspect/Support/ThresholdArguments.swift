import Analysis
import ArgumentParser

/// The verdict thresholds, as options. They are judging options: a report from a results store can be
/// re-judged with other values without recomputing anything.
struct ThresholdArguments: ParsableArguments {
    @Option(help: "Worst-task residual L(λ*) at which the set becomes risky.")
    var residualRisky = VerdictThresholds().residualRisky
    @Option(help: "Worst-task residual L(λ*) at which the set is not mergeable.")
    var residualNotMergeable = VerdictThresholds().residualNotMergeable
    @Option(help: "|cosine| between task vectors at which the set becomes risky.")
    var cosineRisky = VerdictThresholds().cosineRisky
    @Option(help: "Top-zone energy E_I at which the set becomes risky.")
    var topEnergyRisky = VerdictThresholds().topEnergyRisky
    @Option(help: "Top-zone energy E_I at which the set is not mergeable.")
    var topEnergyNotMergeable = VerdictThresholds().topEnergyNotMergeable
    @Option(help: "Share of the update energy in layers that are not mergeable on their own at which the set becomes risky.")
    var layerShareRisky = VerdictThresholds().layerShareRisky
    @Option(help: "Share of the update energy in layers that are not mergeable on their own at which the set is not mergeable.")
    var layerShareNotMergeable = VerdictThresholds().layerShareNotMergeable

    func validate() throws {
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
