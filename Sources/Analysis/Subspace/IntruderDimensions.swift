/// Intruder dimensions (Shuttleworth et al., "LoRA vs Full Fine-tuning: An Illusion of Equivalence"):
/// top singular vectors of the fine-tuned weight that resemble none of the pretrained weight's.
///
/// For each of the top t = min(`top`, r) left singular vectors u'ᵢ of W_ft = W_pre + ΔW,
/// `maxCosine[i]` = maxⱼ |⟨u'ᵢ, uⱼ⟩| over the r thin left singular vectors uⱼ of W_pre; i is an intruder
/// when that is below `threshold`. Sign flips of singular vectors do not change the result.
public struct IntruderDimensions: Codable, Sendable, Equatable {
    /// How many top directions of W_ft were checked.
    public var top: Int
    /// The |cos| threshold below which a direction is an intruder.
    public var threshold: Double
    /// maxⱼ |⟨u'ᵢ, uⱼ⟩| for i < t.
    public var maxCosine: [Double]
    /// Indices i (0-based) with maxCosine[i] < threshold.
    public var intruders: [Int]

    /// Computes intruders of `fineTuned` (thin SVD of W_ft) against `base` (thin SVD of W_pre).
    public init(fineTuned: SingularValueDecomposition<Float>, base: SingularValueDecomposition<Float>, top: Int = 10, threshold: Double = 0.5) {
        let t = Swift.min(top, fineTuned.rank)
        let overlaps = base.u.multiplied(by: fineTuned.u.columns(0..<t), transposingSelf: true)
        self.top = t
        self.threshold = threshold
        let cosines = (0..<t).map { i in overlaps.column(i).reduce(0.0) { Swift.max($0, Double(abs($1))) } }
        maxCosine = cosines
        intruders = cosines.indices.filter { cosines[$0] < threshold }
    }
}
