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
    /// The R×R product is never formed: with B = VᵀV − I (R×R, the one R×R matrix held), its row block i
    /// is (Uᵢᵀ U − Eᵢ) Σ B (rᵢ×R; Eᵢ the rows of I belonging to task i), whose entries are summed in
    /// absolute value and dropped. Same products, same entries as the textbook order; peak memory
    /// R² + 2·max rᵢ·R floats instead of 4R².
    public init(decompositions: [SingularValueDecomposition<Float>], ranks: [Int]) {
        self.ranks = ranks
        let u = Matrix.horizontallyConcatenated(decompositions.indices.map { decompositions[$0].u.columns(0..<ranks[$0]) })
        let vt = Matrix.verticallyConcatenated(decompositions.indices.map { decompositions[$0].vt.rows(0..<ranks[$0]) })
        let sigma = decompositions.indices.flatMap { decompositions[$0].singularValues.prefix(ranks[$0]) }
        var shiftedV = vt.multiplied(by: vt, transposingOther: true)
        for i in 0..<sigma.count { shiftedV[i, i] -= 1 }
        var sum = 0.0
        var start = 0
        for (task, rank) in ranks.enumerated() {
            var block = decompositions[task].u.columns(0..<rank).multiplied(by: u, transposingSelf: true)  // Uᵢᵀ U, rᵢ×R
            for i in 0..<rank { block[i, start + i] -= 1 }
            let product = block.scalingColumns(by: sigma) * shiftedV
            sum += product.elements.reduce(0.0) { $0 + Double(abs($1)) }
            start += rank
        }
        value = sum
        let total = sigma.reduce(0.0) { $0 + Double($1) }
        normalized = total > 0 ? value / total : 0
    }
}
