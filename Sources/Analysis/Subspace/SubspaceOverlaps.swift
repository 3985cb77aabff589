/// The pairwise overlaps of the tasks' leading singular subspaces in one layer: for every pair i < j,
/// Vᵢᵀ Vⱼ (rᵢ × rⱼ, input side) and Uᵢᵀ Uⱼ (rᵢ × rⱼ, output side), where Uᵢ (m × rᵢ) and Vᵢ (n × rᵢ) hold
/// the first rᵢ singular vectors of ΔWᵢ.
///
/// Principal angles (``TaskSimilarity``) and singular task interference (``SingularTaskInterference``)
/// read the same blocks; formed once here they cost Σ_{i<j} rᵢ rⱼ (m + n) multiply-adds per layer instead of
/// that once for the angles and T² blocks again for STI. The blocks with i = j are not formed: for
/// orthonormal factors VᵢᵀVᵢ = UᵢᵀUᵢ = I, and every consumer reads them as exactly I.
/// Block (j, i) is the transpose of block (i, j).
struct SubspaceOverlaps: Sendable {
    /// The ranks rᵢ of the subspaces.
    let ranks: [Int]
    /// `right[i][j]` = VᵢᵀVⱼ for i < j (nil on and below the diagonal).
    private let right: [[MatrixF?]]
    /// `left[i][j]` = UᵢᵀUⱼ for i < j.
    private let left: [[MatrixF?]]

    /// Forms the blocks from thin SVDs truncated to `ranks` (each rᵢ at most the decomposition's rank).
    init(decompositions: [SingularValueDecomposition<Float>], ranks: [Int]) {
        self.ranks = ranks
        let kept = decompositions.indices.map { decompositions[$0].truncated(to: ranks[$0]) }
        let t = kept.count
        var right = Array(repeating: [MatrixF?](repeating: nil, count: t), count: t), left = right
        for i in 0..<t {
            for j in (i + 1)..<Swift.max(i + 1, t) {
                right[i][j] = kept[i].vt.multiplied(by: kept[j].vt, transposingOther: true)
                left[i][j] = kept[i].u.multiplied(by: kept[j].u, transposingSelf: true)
            }
        }
        self.right = right
        self.left = left
    }

    /// VᵢᵀVⱼ for i < j (rᵢ × rⱼ); products with the other blocks go through ``multiplyingRight(_:_:_:)``.
    func right(_ i: Int, _ j: Int) -> MatrixF { right[i][j]! }

    /// UᵢᵀUⱼ for i ≠ j (rᵢ × rⱼ).
    func left(_ i: Int, _ j: Int) -> MatrixF { i < j ? left[i][j]! : left[j][i]!.transposed }

    /// X·VⱼᵀVₗ for j ≠ l, without forming a transpose.
    func multiplyingRight(_ x: MatrixF, _ j: Int, _ l: Int) -> MatrixF {
        j < l ? x.multiplied(by: right[j][l]!) : x.multiplied(by: right[l][j]!, transposingOther: true)
    }
}
