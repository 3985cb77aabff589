/// An update ΔW (m×n) seen through the thin singular bases of the pretrained weight W = U Σ Vᵀ:
///
/// - `coreEnergy[i, j]` = Pᵢⱼ² with P = Uᵀ ΔW V (r×r), the energy of ΔW in the pair of singular directions
///   (uᵢ, vⱼ) of W;
/// - `leftMass[i]` = ‖uᵢᵀ ΔW‖² (row norms of Uᵀ ΔW, length r);
/// - `rightMass[j]` = ‖ΔW vⱼ‖² (column norms of ΔW V, length r);
/// - `total` = ‖ΔW‖²_F.
///
/// Everything about the null spaces follows from these without forming an m×m or n×n basis, e.g.
/// ‖(I − U Uᵀ) ΔW vⱼ‖² = ‖ΔW vⱼ‖² − Σᵢ Pᵢⱼ². Cost: two GEMMs of m·n·r (dense) or O((m+n)·r·q + r²·q) for
/// a rank-q LoRA update, never forming sBA.
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
    ///
    /// r = min(m, n), so one of the thin factors is square and orthogonal; its side's masses are then the
    /// core's row or column norms (‖uᵢᵀΔW‖² = ‖uᵢᵀΔW V‖² when V is n×n), and two GEMMs of m·n·r suffice
    /// (ΔW V then Uᵀ(ΔW V) for m ≥ n; Uᵀ ΔW then (UᵀΔW) V for m < n). A LoRA update never forms an m×r
    /// product: P = s·(UᵀB)(AV) and the masses are quadratic forms in the q×q Gram matrices of B and A.
    public init(update: WeightUpdate, base: SingularValueDecomposition<Float>) {
        let shape = update.shape
        precondition(shape.rows == base.u.rows && shape.columns == base.vt.columns, "update shape differs from the base weight")
        let rightIsSquare = base.vt.rows == base.vt.columns
        let leftIsSquare = base.u.rows == base.u.columns
        switch update {
        case let .dense(delta):
            total = Double(delta.frobeniusNormSquared)
            if rightIsSquare {
                let y = delta.multiplied(by: base.vt, transposingOther: true)  // ΔW V, m×r
                let core = base.u.multiplied(by: y, transposingSelf: true)  // Uᵀ ΔW V, r×r
                coreEnergy = Self.squared(core)
                leftMass = core.rowNormsSquared
                rightMass = y.columnNormsSquared
            } else if leftIsSquare {
                let z = base.u.multiplied(by: delta, transposingSelf: true)  // Uᵀ ΔW, r×n
                let core = z.multiplied(by: base.vt, transposingOther: true)  // Uᵀ ΔW V, r×r
                coreEnergy = Self.squared(core)
                leftMass = z.rowNormsSquared
                rightMass = core.columnNormsSquared
            } else {
                let y = delta.multiplied(by: base.vt, transposingOther: true)
                let z = base.u.multiplied(by: delta, transposingSelf: true)
                coreEnergy = Self.squared(base.u.multiplied(by: y, transposingSelf: true))
                leftMass = z.rowNormsSquared
                rightMass = y.columnNormsSquared
            }
        case let .lowRank(b, a, scale):
            let av = a.multiplied(by: base.vt, transposingOther: true)  // A V, q×r
            let utb = base.u.multiplied(by: b, transposingSelf: true)  // Uᵀ B, r×q
            let gramB = b.multiplied(by: b, transposingSelf: true).converted(to: Double.self)  // BᵀB, q×q
            let gramA = a.multiplied(by: a, transposingOther: true).converted(to: Double.self)  // AAᵀ, q×q
            let s2 = Double(scale) * Double(scale)
            total = s2 * gramB.frobeniusInner(gramA)
            coreEnergy = Self.squared(scale * (utb * av))
            // ‖ΔW vⱼ‖² = s²·(Avⱼ)ᵀ BᵀB (Avⱼ); ‖uᵢᵀΔW‖² = s²·(Bᵀuᵢ)ᵀ AAᵀ (Bᵀuᵢ).
            rightMass = Self.quadraticForms(gramB, columnsOf: av.converted(to: Double.self)).map { s2 * $0 }
            leftMass = Self.quadraticForms(gramA, columnsOf: utb.transposed.converted(to: Double.self)).map { s2 * $0 }
        }
    }

    /// Element-wise squares, in Double.
    private static func squared(_ core: MatrixF) -> Matrix<Double> {
        Matrix(rows: core.rows, columns: core.columns, elements: core.elements.map { Double($0) * Double($0) })
    }

    /// xⱼᵀ G xⱼ for every column xⱼ of `x` (G q×q symmetric, x q×p), clamped at 0.
    private static func quadraticForms(_ g: Matrix<Double>, columnsOf x: Matrix<Double>) -> [Double] {
        guard x.rows > 0 else { return Array(repeating: 0, count: x.columns) }
        let gx = g * x
        var out = [Double](repeating: 0, count: x.columns)
        for i in 0..<x.rows {
            for j in 0..<x.columns { out[j] += x[i, j] * gx[i, j] }
        }
        return out.map { Swift.max(0, $0) }
    }

    /// A projection from precomputed parts (used by the per-mode analysis of N-D tensors).
    public init(coreEnergy: Matrix<Double>, leftMass: [Double], rightMass: [Double], total: Double) {
        self.coreEnergy = coreEnergy
        self.leftMass = leftMass
        self.rightMass = rightMass
        self.total = total
    }
}
