/// One analysed tensor of a family: the per-tensor record every whole-model report, verdict, pairs table
/// and figure is built from (``FamilyReport/init(assembling:records:thresholds:)``), whether the records
/// were just computed in memory or read back from a ``ResultsStore``.
///
/// A ``LayerAnalysis`` holds every statistic the model level sums: the interference Gram tensor and ranks
/// (``TaskInterference``), the inner products and norms behind the cosines (``TaskSimilarity/inner``),
/// per-task zone energies and ‖ΔW‖, and the SMILE expert ranks. Its verdict is re-derived at report time
/// from the thresholds given then; the one it was stored with is never read.
public struct LayerRecord: Sendable, Equatable {
    /// What the analysis of one tensor produced.
    public enum Result: Sendable, Equatable {
        /// A 2-D linear weight.
        case layer(LayerAnalysis)
        /// A 3-D / 4-D tensor analysed per mode.
        case tensor(TensorModeAnalysis)
        /// A 1-D tensor's change in norm.
        case vector(VectorUpdate)
        /// Unusable values (NaN or Inf, or a factorization that failed on them).
        case nonFinite(FamilyReport.Problem)
        /// Not analysed, with the reason.
        case skipped(FamilyReport.Problem)
    }

    /// The tensor's name in the base checkpoint.
    public var tensor: String
    /// The stored tensors it was computed from (``ModelFamily/inputIdentities(of:)``); empty for a record
    /// computed without a store.
    public var inputs: [TensorIdentity]
    /// The outcome.
    public var result: Result

    public init(tensor: String, inputs: [TensorIdentity], result: Result) {
        self.tensor = tensor
        self.inputs = inputs
        self.result = result
    }
}
