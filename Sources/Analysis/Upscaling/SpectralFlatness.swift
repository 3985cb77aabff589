/// The spectral flatness of a layer's summed update: the zero-shot signal `upscale --max-flatness` uses to
/// decide where experts pay (issue #21).
///
///     φ = (Σ_{r≤d} σ_r)² / (d · Σ_{r≤d} σ_r²) = ‖M_IsoC‖²_F / ‖ΣⱼΔWⱼ‖²_F  ∈ [1/d, 1]
///
/// over the d numerically nonzero singular values σ of ΣⱼΔWⱼ (d as ``SubspaceMerge/isoCFactors(_:context:)``,
/// ``UpdateDecomposition/numericalRank``); M_IsoC = σ̄ U_d V_dᵀ is Iso-C's merge direction, so φ is also the
/// share of the summed update's energy Iso-C keeps. φ = 1: a flat, noise-like spectrum; φ = 1/d: a
/// single direction. On the realtasks MiniLM full fine-tunes (`benchmarks/realtasks-smile.md`, "Upscale
/// only where routing pays") φ ranks the 36 layers by how well a SMILE router sends real tokens to their own
/// expert better than any other weights-only number measured (Spearman −0.80): layers whose updates share a
/// few strong directions have inputs the routers tell apart, layers whose updates are spread flat do not.
public enum SpectralFlatness {
    /// φ of Σ `updates` (LoRA updates summed in factored form); nil when the sum is zero (no direction).
    /// `context` names the layer in errors. Throws ``LinearAlgebraError`` (the SVD).
    public static func of(_ updates: [WeightUpdate], context: String) throws -> Double? {
        guard !updates.isEmpty else { return nil }
        let sum = try UpdateDecomposition(SubspaceMerge.sum(updates), context: context)
        return of(singularValues: Array(sum.singularValues.prefix(sum.numericalRank)))
    }

    /// φ of the given singular values (all counted; nil when there are none or they sum to zero).
    public static func of(singularValues σ: [Double]) -> Double? {
        let total = σ.reduce(0, +), squares = σ.reduce(0) { $0 + $1 * $1 }
        guard !σ.isEmpty, squares > 0 else { return nil }
        return total * total / (Double(σ.count) * squares)
    }
}
