/// The method and coefficient `smile-inspect merge` uses without `--method` (or with `--method auto`),
/// and why: a recommendation by evidence, not a prediction for the family at hand.
///
/// No data-free statistic we measured ranks methods on one merge (README, "Merging": the residual Lᵢ,
/// the spread σ₁/σ̄ of the merged update and its norm all fail on some merge), so the choice is the method
/// and coefficient that kept the most accuracy over the measured real merges: TSV-M at α 1, the best or
/// within 0.02 of the best on every measured merge of two and three models, full and LoRA, and above
/// task arithmetic at its best λ on each (on the held-out families too: 12 of 12).
public struct MergeRecommendation: Codable, Sendable, Equatable {
    /// The method chosen.
    public var method: MergeMethod
    /// Its coefficient.
    public var coefficient: Double
    /// One sentence: the evidence, and that it is not a prediction.
    public var reason: String

    /// The recommendation for a family of `modelCount` models (the same for every family today).
    public static func recommended(modelCount: Int) -> MergeRecommendation {
        MergeRecommendation(
            method: .tsv, coefficient: 1.0,
            reason: "TSV-M at α 1.0 kept the most accuracy of the five methods over the measured real merges of 2 and 3 models, full and LoRA (README, \"Merging\"); a recommendation by evidence, not a prediction for these models")
    }
}
