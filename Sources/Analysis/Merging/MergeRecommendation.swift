/// The method and coefficient `smile-inspect merge` uses without `--method` (or with `--method auto`),
/// and why: a recommendation by evidence, not a prediction for the family at hand.
///
/// No data-free statistic we measured ranks methods on one merge (README, "Merging": the residual Lᵢ,
/// the spread σ₁/σ̄ of the merged update and its norm each rank them wrongly on some merge), so the choice
/// is the method and coefficient that kept the most accuracy, in the worst case, on the measured real merges
/// of two and three models (full test sets): for full fine-tunes Iso-C (restricted to the sum's numerical
/// rank) at α 3, for LoRA adapters TSV-M (each adapter's directions kept, the stacked bases orthogonalised)
/// at α 0.5 — the one input fact used is whether every model is a LoRA adapter (a mixed family counts as
/// full).
public struct MergeRecommendation: Codable, Sendable, Equatable {
    /// The method chosen.
    public var method: MergeMethod
    /// Its coefficient.
    public var coefficient: Double
    /// One sentence: the evidence, and that it is not a prediction.
    public var reason: String

    /// The recommendation for a family whose models are of `kinds`.
    public static func recommended(kinds: [ModelKind]) -> MergeRecommendation {
        let allLoRA = kinds.allLoRA
        let method = allLoRA ? MergeMethod.tsv : MergeMethod.isoC
        let coefficient = method.defaultCoefficient(allLoRA: allLoRA)
        return MergeRecommendation(
            method: method, coefficient: coefficient,
            reason: "\(method.displayName) at α \(coefficient) (\(allLoRA ? "LoRA adapters" : "full fine-tunes")) kept within 0.02 of the best method and coefficient, "
                + "and more than task arithmetic at its best λ, on every measured real merge of 2 and 3 models (README, \"Merging\"); "
                + "a recommendation by evidence, not a prediction for these models")
    }
}
