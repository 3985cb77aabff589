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
        self.ranks = ranks
        let u = Matrix.horizontallyConcatenated(decompositions.indices.map { decompositions[$0].u.columns(0..<ranks[$0]) })
        let vt = Matrix.verticallyConcatenated(decompositions.indices.map { decompositions[$0].vt.rows(0..<ranks[$0]) })
        let sigma = decompositions.indices.flatMap { decompositions[$0].singularValues.prefix(ranks[$0]) }
        var gu = u.multiplied(by: u, transposingSelf: true)
        let gv = vt.multiplied(by: vt, transposingOther: true)
        let size = sigma.count
        for i in 0..<size {
            for j in 0..<size { gu[i, j] = (gu[i, j] - (i == j ? 1 : 0)) * sigma[j] }
        }
        var shiftedV = gv
        for i in 0..<size { shiftedV[i, i] -= 1 }
        let product = gu * shiftedV
        value = product.elements.reduce(0.0) { $0 + Double(abs($1)) }
        let total = sigma.reduce(0.0) { $0 + Double($1) }
        normalized = total > 0 ? value / total : 0
    }
}
