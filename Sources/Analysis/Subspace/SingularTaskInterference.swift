/// Singular task interference (Gargiulo et al., "Task Singular Vectors", CVPR 2025):
/// STI = ‖(UᵀU − I) Σ (VᵀV − I)‖₁ (entrywise L1), where U = [U₁ | … | U_T] (m × R) and V = [V₁ | … | V_T]
/// (n × R) concatenate each task's first rᵢ singular vectors of ΔWᵢ, R = Σ rᵢ, and Σ = diag(σ₁…σ_T) is the
/// block diagonal of their singular values.
///
/// Computed exactly as defined (see reference/PEERS.md for how TSV's released code differs). STI is 0 when
/// every task's singular vectors are orthogonal to every other's, and grows with shared directions weighted
/// by their singular values. It scales with ‖ΔW‖, so compare it between sets of similar norm, or use
/// ``normalized`` = STI / Σσ.
public struct SingularTaskInterference: Codable, Sendable, Equatable {
    /// The ranks rᵢ used per task.
    public var ranks: [Int]
    /// STI.
    public var value: Double
    /// STI divided by the sum of the retained singular values (scale-free).
    public var normalized: Double

    /// Computes STI from the tasks' thin SVDs truncated to `ranks`.
    public init(decompositions: [SingularValueDecomposition<Float>], ranks: [Int]) {
        self.init(decompositions: decompositions, overlaps: SubspaceOverlaps(decompositions: decompositions, ranks: ranks))
    }

    /// Computes STI from the thin SVDs and the subspace overlaps at the STI ranks.
    ///
    /// A = UᵀU − I and B = VᵀV − I are block matrices whose diagonal blocks are 0 (orthonormal factors:
    /// UᵢᵀUᵢ = I, taken exactly, which is what the definition means; Float factors would leave rounding noise
    /// of ≈ 10⁻⁷ there) and whose off-diagonal blocks are the overlaps UᵢᵀUⱼ, VᵢᵀVⱼ. Block (i, l) of the
    /// product is then Pᵢₗ = Σ_{j ∉ {i, l}} (UᵢᵀUⱼ Σⱼ)(VⱼᵀVₗ): neither R×R matrix is formed, no block is
    /// multiplied twice, and the zero blocks are skipped — ≈ (T−1)(T−2)/T² + 1/T of the R³ multiply-adds of
    /// the textbook product (0.56 at T = 4), after the overlaps that principal angles share.
    init(decompositions: [SingularValueDecomposition<Float>], overlaps: SubspaceOverlaps) {
        let ranks = overlaps.ranks
        self.ranks = ranks
        let sigma = decompositions.indices.map { Array(decompositions[$0].singularValues.prefix(ranks[$0])) }
        let tasks = ranks.indices.filter { ranks[$0] > 0 }
        var sum = 0.0
        for i in tasks {
            // Cᵢⱼ = UᵢᵀUⱼ Σⱼ, formed once per (i, j) and used for every l.
            let scaled = Dictionary(uniqueKeysWithValues: tasks.filter { $0 != i }.map { j in (j, overlaps.left(i, j).scalingColumns(by: sigma[j])) })
            for l in tasks {
                var block: MatrixF?
                for j in tasks where j != i && j != l {
                    let term = overlaps.multiplyingRight(scaled[j]!, j, l)
                    block = block.map { $0 + term } ?? term
                }
                sum += block?.elements.reduce(0.0) { $0 + Double(abs($1)) } ?? 0
            }
        }
        value = sum
        let total = sigma.joined().reduce(0.0) { $0 + Double($1) }
        normalized = total > 0 ? value / total : 0
    }
}
