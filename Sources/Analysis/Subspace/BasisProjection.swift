/// An update ΔW (m×n) seen through the thin singular bases of the pretrained weight W = U Σ Vᵀ, down to
/// a depth of d_L left and d_R right directions:
///
/// - `coreEnergy[i, j]` = Pᵢⱼ² with P = U_{d_L}ᵀ ΔW V_{d_R} (d_L×d_R), the energy of ΔW in the pair of
///   singular directions (uᵢ, vⱼ) of W;
/// - `leftMass[i]` = ‖uᵢᵀ ΔW‖² (i < d_L);
/// - `rightMass[j]` = ‖ΔW vⱼ‖² (j < d_R);
/// - `total` = ‖ΔW‖²_F.
///
/// Everything beyond the depth follows from these without forming an m×m or n×n basis, e.g.
/// ‖(I − U Uᵀ) ΔW vⱼ‖² = ‖ΔW vⱼ‖² − Σᵢ Pᵢⱼ² when d_L = r. The depth may stop short of r only on a side
/// whose thin factor is square (m = r on the left, n = r on the right): there the directions d..<r are
/// the whole complement of the first d, so one remainder holds their energy (see ``EnergyMap``).
/// A zone split needs depth = its deepest cut on a square side, r on the other.
///
/// Cost (dense, m ≥ n = r, depth c on the square right side): ΔW V_c (m·n·c), plus U_rᵀ ΔW (m·n·r) when
/// m > n or U_cᵀ ΔW (m·n·c) when m = n, plus a c-wide core; at full depth two GEMMs of m·n·r. A rank-q
/// LoRA update costs O((m+n)·r·q + r²·q) at full depth and never forms sBA.
public struct BasisProjection: Sendable {
    /// Pᵢⱼ² with P = U_{d_L}ᵀ ΔW V_{d_R}, in Double for accurate block sums. (For an N-D tensor analysed
    /// per mode, the squared core summed over the remaining modes.)
    public let coreEnergy: Matrix<Double>
    /// ‖uᵢᵀ ΔW‖², i < d_L.
    public let leftMass: [Double]
    /// ‖ΔW vⱼ‖², j < d_R.
    public let rightMass: [Double]
    /// ‖ΔW‖²_F.
    public let total: Double

    /// Projects `update` onto the singular bases of `base` (the thin SVD of W_pre), down to `depth`
    /// directions on each side whose thin factor is square (nil: all r). Precondition: the update has
    /// W's shape.
    ///
    /// Dense (which products: ``DensePlan``): Y = ΔW V_{d_R} gives the right masses, Z = U_{d_L}ᵀ ΔW the
    /// left masses, and the core is the cheaper of U_{d_L}ᵀ Y and Z V_{d_R}. A side resolved down to its full square basis needs no mass
    /// product: there ‖uᵢᵀΔW‖² = ‖uᵢᵀΔW V‖² (V n×n), the core's row norms (columns on the left). LoRA
    /// (always full depth): P = s·(UᵀB)(AV), and the masses are quadratic forms in the q×q Gram matrices
    /// of B and A.
    public init(update: WeightUpdate, base: SingularValueDecomposition<Float>, depth: Int? = nil) {
        let shape = update.shape
        precondition(shape.rows == base.u.rows && shape.columns == base.vt.columns, "update shape differs from the base weight")
        switch update {
        case let .dense(delta):
            let plan = DensePlan(rows: shape.rows, columns: shape.columns, depth: depth)
            let (u, vt) = plan.factors(of: base)
            total = Double(delta.frobeniusNormSquared)
            let y = plan.formsY ? delta.multiplied(by: vt, transposingOther: true) : nil  // ΔW V, m×d_R
            let z = plan.formsZ ? u.multiplied(by: delta, transposingSelf: true) : nil  // Uᵀ ΔW, d_L×n
            let core = plan.coreFromZ ? z!.multiplied(by: vt, transposingOther: true) : u.multiplied(by: y!, transposingSelf: true)
            coreEnergy = Self.squared(core)
            leftMass = z?.rowNormsSquared ?? core.rowNormsSquared
            rightMass = plan.leftFull ? core.columnNormsSquared : y!.columnNormsSquared
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
