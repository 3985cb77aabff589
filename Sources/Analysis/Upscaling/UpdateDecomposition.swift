/// The thin SVD of one task's update ΔWᵢ = Wᵢ − W_pre of a linear layer, with the two facts SMILE needs
/// beyond it: the numerical rank, and whether the update is zero.
///
/// - Dense updates are decomposed by LAPACK (min(m, n) triplets); LoRA updates from their factors
///   (q triplets, see ``WeightUpdate/singularValueDecomposition(context:)``); an untouched module
///   (rank-0 LoRA) has no triplets at all.
/// - `numericalRank` = #{j : σⱼ > σ₁ · max(m, n) · ε_float} (numpy's `matrix_rank` rule in float32):
///   the most triplets worth keeping.
/// - `isZero` follows FusionBench's `_is_all_zeros` (`torch.allclose(ΔW, 0)`): every |ΔWᵢⱼ| ≤ 1e-8.
public struct UpdateDecomposition: Sendable {
    /// ΔW = U diag(σ) Vᵀ.
    public var svd: SingularValueDecomposition<Float>
    /// out features m.
    public var rows: Int
    /// in features n.
    public var columns: Int
    /// #{σⱼ > σ₁ · max(m, n) · ε_float}.
    public var numericalRank: Int
    /// Every entry of ΔW is within 1e-8 of zero.
    public var isZero: Bool

    /// Decomposes `update`. `context` names the tensor in errors.
    /// - Throws: ``LinearAlgebraError`` for NaN/Inf input or an SVD that does not converge.
    public init(_ update: WeightUpdate, context: String) throws {
        let (m, n) = update.shape
        rows = m
        columns = n
        if case let .lowRank(b, _, _) = update, b.columns == 0 {
            svd = SingularValueDecomposition(u: MatrixF(zeros: m, 0), singularValues: [], vt: MatrixF(zeros: 0, n))
        } else {
            svd = try update.singularValueDecomposition(context: context)
        }
        let top = svd.singularValues.first ?? 0
        let tolerance = top * Float(Swift.max(m, n)) * Float.ulpOfOne
        numericalRank = top > 0 ? svd.singularValues.filter { $0 > tolerance }.count : 0
        // max |ΔWᵢⱼ| ≤ σ₁ ≤ √(mn) · max |ΔWᵢⱼ|: only a small σ₁ needs the entries checked.
        let threshold: Float = 1e-8
        if top <= threshold {
            isZero = true
        } else if top > threshold * Float(m * n).squareRoot() {
            isZero = false
        } else {
            isZero = update.dense.elements.allSatisfy { abs($0) <= threshold }
        }
    }

    /// The singular values in `Double`, for ``UpdateSpectrum`` and energy fractions.
    public var singularValues: [Double] { svd.singularValues.map(Double.init) }

    /// Σ_{j<k} σⱼ² / Σⱼ σⱼ²: the share of ‖ΔW‖²_F a rank-k truncation keeps (1 for a zero update).
    public func energyKept(rank k: Int) -> Double {
        let squares = singularValues.map { $0 * $0 }
        let total = squares.reduce(0, +)
        guard total > 0 else { return 1 }
        return squares.prefix(Swift.max(0, k)).reduce(0, +) / total
    }

    /// σ_{k+1} (0 when k ≥ the number of triplets): the spectral norm of ΔW − ΔW_k, so a rank-k expert
    /// is off by at most σ_{k+1} ‖x‖ on input x.
    public func truncationError(rank k: Int) -> Float {
        k < svd.singularValues.count ? svd.singularValues[Swift.max(0, k)] : 0
    }
}
