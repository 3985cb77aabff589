/// TIES-merging (Yadav et al., NeurIPS 2023) of one tensor's task vectors, as the authors' code
/// (`ties_merging`: `topk_values_mask`, `resolve_sign`, `disjoint_merge` with `merge_func = "dis-mean"`)
/// does it, applied per tensor as mergekit does (the authors flatten the whole model; one tensor at a
/// time keeps one tensor of each model in memory):
///
/// 1. **Trim**: τ̃ᵢ keeps the top k = max(1, ⌊density·numel⌋) |entries| of τᵢ (mergekit's `magnitude`,
///    exact ties at the cut keep the lowest indices; the authors' `kthvalue` keeps every tie).
/// 2. **Elect**: s = sign(Σᵢ τ̃ᵢ) per entry; entries where the sum is 0 take the majority sign
///    sign(Σ s) over the tensor (0 when the votes tie, and then negative entries agree, as in the code).
/// 3. **Disjoint mean**: M = Σᵢ τ̃ᵢ·[τ̃ᵢ agrees with s] / max(1, #{i : τ̃ᵢ agrees}), where "agrees" is
///    τ̃ᵢ > 0 for s > 0 and τ̃ᵢ < 0 otherwise (the code's `torch.where(sign > 0, x > 0, x < 0)`).
///
/// The merged tensor is θ_pre + λ·M.
public enum TiesMerge {
    /// M for `taskVectors` (T ≥ 1 arrays of one length, finite) at `density` in (0, 1].
    public static func merge(_ taskVectors: [[Float]], density: Double) -> [Float] {
        let count = taskVectors[0].count
        let trimmed = taskVectors.map { values -> [Float] in
            let mask = SparsificationStatistics.magnitudeMask(values, density: density)
            return zip(values, mask).map { $1 ? $0 : 0 }
        }
        var sums = [Float](repeating: 0, count: count)
        for vector in trimmed {
            for e in 0..<count { sums[e] += vector[e] }
        }
        let votes = sums.reduce(0) { $0 + ($1 > 0 ? 1 : $1 < 0 ? -1 : 0) }
        let majority: Float = votes > 0 ? 1 : votes < 0 ? -1 : 0
        var merged = [Float](repeating: 0, count: count)
        var kept = [Float](repeating: 0, count: count)
        for vector in trimmed {
            for e in 0..<count {
                let sign: Float = sums[e] > 0 ? 1 : sums[e] < 0 ? -1 : majority
                let value = vector[e]
                if sign > 0 ? value > 0 : value < 0 {
                    merged[e] += value
                    kept[e] += 1
                }
            }
        }
        for e in 0..<count where kept[e] > 1 { merged[e] /= kept[e] }
        return merged
    }
}
