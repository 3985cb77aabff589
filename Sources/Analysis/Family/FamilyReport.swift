/// The full analysis of a family — a base checkpoint and T fine-tunes of it — as produced by
/// ``FamilyAnalyzer``: the contract for `smile-inspect model`, `mergeable` and the figures.
public struct FamilyReport: Codable, Sendable, Equatable {
    /// A tensor the analysis could not use, and why.
    public struct Problem: Codable, Sendable, Equatable {
        public var tensor: String
        public var reason: String
    }

    /// The base checkpoint's path.
    public var base: String
    /// The fine-tuned models' paths, in task order.
    public var models: [String]
    /// Task names, in order.
    public var taskNames: [String]
    /// The settings used.
    public var options: AnalysisOptions
    /// One analysis per 2-D linear weight, in checkpoint order.
    public var layers: [LayerAnalysis]
    /// One per-mode analysis per 3-D / 4-D weight.
    public var tensors: [TensorModeAnalysis]
    /// Norm changes of 1-D tensors (biases, norms).
    public var vectors: [VectorUpdate]
    /// Tensors left out of the analysis with the reason (missing in a model, not a linear map, filtered).
    public var skipped: [Problem]
    /// Tensors whose values are unusable (NaN or Inf): they make the verdict "not mergeable".
    public var nonFinite: [Problem]
    /// How names were matched (prefix remapping) and other facts about the inputs.
    public var notes: [String]
    /// Whole-model signals, verdict and SMILE cost.
    public var summary: FamilySummary
    /// The compatibility check run before any weight was read (``CompatibilityCheck``); nil for a report
    /// built from a results store alone.
    public var compatibility: CompatibilityReport? = nil
}
