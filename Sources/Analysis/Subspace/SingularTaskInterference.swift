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
    ///
    /// Neither the R×R product nor the concatenations U, V are formed: B = VᵀV − I (R×R, the one R×R
    /// matrix held) is filled block by block from Vᵢᵀ Vⱼ, and row block i of the product,
    /// (Uᵢᵀ U − Eᵢ) Σ B (rᵢ×R; Eᵢ the rows of I belonging to task i), from Uᵢᵀ Uⱼ; its entries are summed
    /// in absolute value and dropped. Same products, same entries as the textbook order; peak memory
    /// R² + 2·max rᵢ·R floats beyond the factors instead of 4R² + (m + n)·R.
    public init(decompositions: [SingularValueDecomposition<Float>], ranks: [Int]) {
        self.ranks = ranks
        // No copy when a decomposition holds exactly rᵢ triplets (the usual case).
        let kept = decompositions.indices.map { decompositions[$0].truncated(to: ranks[$0]) }
        let u = kept.map(\.u), vt = kept.map(\.vt)
        let sigma = kept.flatMap(\.singularValues)
        let offsets = ranks.reduce(into: [0]) { $0.append($0.last! + $1) }
        let size = sigma.count
        var shiftedV = MatrixF(zeros: size, size)
        for i in ranks.indices {
            for j in ranks.indices {
                shiftedV.setBlock(row: offsets[i], column: offsets[j], to: vt[i].multiplied(by: vt[j], transposingOther: true))
            }
        }
        for i in 0..<size { shiftedV[i, i] -= 1 }
        var sum = 0.0
        for i in ranks.indices {
            var block = MatrixF(zeros: ranks[i], size)  // Uᵢᵀ U − Eᵢ
            for j in ranks.indices {
                block.setBlock(row: 0, column: offsets[j], to: u[i].multiplied(by: u[j], transposingSelf: true))
            }
            for k in 0..<ranks[i] { block[k, offsets[i] + k] -= 1 }
            let product = block.scalingColumns(by: sigma) * shiftedV
            sum += product.elements.reduce(0.0) { $0 + Double(abs($1)) }
        }
        value = sum
        let total = sigma.reduce(0.0) { $0 + Double($1) }
        normalized = total > 0 ? value / total : 0
    }
}
