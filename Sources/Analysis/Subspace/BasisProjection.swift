/// An update ΔW (m×n) seen through the thin singular bases of the pretrained weight W = U Σ Vᵀ:
///
/// - `coreEnergy[i, j]` = Pᵢⱼ² with P = Uᵀ ΔW V (r×r), the energy of ΔW in the pair of singular directions
///   (uᵢ, vⱼ) of W;
/// - `leftMass[i]` = ‖uᵢᵀ ΔW‖² (row norms of Uᵀ ΔW, length r);
/// - `rightMass[j]` = ‖ΔW vⱼ‖² (column norms of ΔW V, length r);
/// - `total` = ‖ΔW‖²_F.
///
/// Everything about the null spaces follows from these without forming an m×m or n×n basis, e.g.
/// ‖(I − U Uᵀ) ΔW vⱼ‖² = ‖ΔW vⱼ‖² − Σᵢ Pᵢⱼ². Cost: two GEMMs of m·n·r (dense) or O((m+n)·r·q) for a
/// rank-q LoRA update, never forming sBA.
public struct BasisProjection: Sendable {
    /// Pᵢⱼ² with P = Uᵀ ΔW V, r_L×r_R, in Double for accurate block sums. (For an N-D tensor analysed per
    /// mode, the squared core summed over the remaining modes.)
    public let coreEnergy: Matrix<Double>
    /// ‖uᵢᵀ ΔW‖², i < r.
    public let leftMass: [Double]
    /// ‖ΔW vⱼ‖², j < r.
    public let rightMass: [Double]
    /// ‖ΔW‖²_F.
    public let total: Double

    /// Projects `update` onto the singular bases of `base` (the thin SVD of W_pre).
    /// Precondition: the update has W's shape.
    public init(update: WeightUpdate, base: SingularValueDecomposition<Float>) {
        let shape = update.shape
        precondition(shape.rows == base.u.rows && shape.columns == base.vt.columns, "update shape differs from the base weight")
        let y: MatrixF, z: MatrixF
        switch update {
        case let .dense(delta):
            y = delta.multiplied(by: base.vt, transposingOther: true)
            z = base.u.multiplied(by: delta, transposingSelf: true)
            total = Double(delta.frobeniusNormSquared)
        case let .lowRank(b, a, scale):
            let av = a.multiplied(by: base.vt, transposingOther: true)
            let utb = base.u.multiplied(by: b, transposingSelf: true)
            y = scale * (b * av)
            z = scale * (utb * a)
            let gramB = b.multiplied(by: b, transposingSelf: true)
            let gramA = a.multiplied(by: a, transposingOther: true)
            total = Double(scale * scale) * Double(gramB.frobeniusInner(gramA))
        }
        let core = base.u.multiplied(by: y, transposingSelf: true)
        coreEnergy = Matrix(rows: core.rows, columns: core.columns, elements: core.elements.map { Double($0) * Double($0) })
        leftMass = z.rowNormsSquared.map(Double.init)
        rightMass = y.columnNormsSquared.map(Double.init)
    }

    /// A projection from precomputed parts (used by the per-mode analysis of N-D tensors).
    public init(coreEnergy: Matrix<Double>, leftMass: [Double], rightMass: [Double], total: Double) {
        self.coreEnergy = coreEnergy
        self.leftMass = leftMass
        self.rightMass = rightMass
        self.total = total
    }
}
