/// The data-free interference objective between T ≥ 1 updates of one layer (or of a whole model, by
/// summing layers).
///
/// SMILE frames merging interference as min over W̃ of Σᵢ E_{x∼Dᵢ} ‖(W̃ − Wᵢ)x‖². Without data, task i's
/// inputs are proxied by the right singular subspace of ΔWᵢ holding `energyFraction` (default 0.9) of its
/// energy: Vᵢ (rᵢ directions), projector Pᵢ = VᵢVᵢᵀ. Everything follows from the Gram tensor
/// `gram[i][j][k]` = ⟨ΔWⱼPᵢ, ΔWₖPᵢ⟩_F:
///
/// - `matrix[i][j]` = I[i][j] = ‖ΔWⱼPᵢ‖² / ‖ΔWᵢPᵢ‖²: how loudly task j's update answers on task i's
///   inputs relative to task i's own (I[i][i] = 1). A row is nil for a zero update (it has no inputs).
/// - Task arithmetic over a subset S, W̃ = W_pre + λ Σ_{j∈S} ΔWⱼ: Lᵢ(λ) = ‖(λ Σ_{j∈S}ΔWⱼ − ΔWᵢ)Pᵢ‖² / cᵢ
///   with aᵢ = Σ_{j,k∈S} gram[i][j][k], bᵢ = Σ_{j∈S} gram[i][j][i], cᵢ = gram[i][i][i]; Σᵢ Lᵢ is quadratic
///   in λ and minimised at λ* = (Σ bᵢ/cᵢ) / (Σ aᵢ/cᵢ). Lᵢ(λ*) is what each task keeps of its own update's
///   error at the best uniform scale: 0 for non-overlapping tasks, growing with overlap.
public struct TaskInterference: Codable, Sendable, Equatable {
    /// The task-arithmetic optimum over one subset of the tasks.
    public struct Merge: Codable, Sendable, Equatable {
        /// The merged tasks (indices into the family).
        public var tasks: [Int]
        /// aᵢ, bᵢ, cᵢ for each task of the subset, in order.
        public var a: [Double]
        public var b: [Double]
        public var c: [Double]
        /// λ* (nil when every update in the subset is zero).
        public var lambdaStar: Double?
        /// Lᵢ(λ*) per task of the subset (0 for zero updates).
        public var residuals: [Double]

        /// Lᵢ(λ) for the subset's `position`-th task (nil for a zero update).
        public func residual(at position: Int, lambda: Double) -> Double? {
            guard c[position] > 0 else { return nil }
            return (lambda * lambda * a[position] - 2 * lambda * b[position] + c[position]) / c[position]
        }

        /// The mean of Lᵢ(λ*) over the subset's tasks.
        public var meanResidual: Double { residuals.isEmpty ? 0 : residuals.reduce(0, +) / Double(residuals.count) }
    }

    /// The fraction of each update's energy that defines its input subspace.
    public var energyFraction: Double
    /// rᵢ, the dimension of each task's input subspace.
    public var ranks: [Int]
    /// gram[i][j][k] = ⟨ΔWⱼPᵢ, ΔWₖPᵢ⟩_F.
    public var gram: [[[Double]]]
    /// I[i][j]; nil rows for zero updates.
    public var matrix: [[Double]?]
    /// Task arithmetic over all T tasks.
    public var all: Merge

    /// Builds the objective from the updates and their thin SVDs (`decompositions[i]` of `updates[i]`).
    ///
    /// With S = [V₁ | … | V_T]ᵀ (Σrᵢ × n, every task's subspace stacked), one GEMM per task,
    /// Qⱼ = S·ΔWⱼᵀ (Σrᵢ × m), holds every (ΔWⱼVᵢ)ᵀ at once; gram[i][j][k] is then the inner product of
    /// rows offsetᵢ..<offsetᵢ₊₁ of Qⱼ and Qₖ, a contiguous dot product. The rows of S are processed in
    /// chunks so the T products in flight hold at most about one m×n matrix (T·chunk·m ≤ max(m·n, 2²⁴)
    /// elements), instead of T·m·Σrᵢ — for T = 8 and 4096² weights that is 0.5 GB instead of several.
    public init(updates: [WeightUpdate], decompositions: [SingularValueDecomposition<Float>], ranks: [Int], energyFraction: Double) {
        let t = updates.count
        let stacked = Matrix.verticallyConcatenated((0..<t).map { decompositions[$0].vt.rows(0..<ranks[$0]) })
        let offsets = ranks.reduce(into: [0]) { $0.append($0.last! + $1) }
        var gram = Array(repeating: Array(repeating: Array(repeating: 0.0, count: t), count: t), count: t)
        let total = stacked.rows
        if t > 0, total > 0 {
            let (m, n) = updates[0].shape
            let chunk = Swift.max(1, Swift.min(total, Swift.max(m * n, 1 << 24) / Swift.max(1, t * m)))
            var start = 0
            while start < total {
                let end = Swift.min(total, start + chunk)
                let products = updates.indices.map { j in  // (end − start) × m each
                    Self.transposedProduct(updates[j], stacked, rows: start..<end, own: offsets[j]..<offsets[j + 1], factors: decompositions[j])
                }
                for i in 0..<t {
                    let lower = Swift.max(start, offsets[i]), upper = Swift.min(end, offsets[i + 1])
                    guard lower < upper else { continue }
                    let range = (lower - start) * m..<(upper - start) * m
                    for j in 0..<t {
                        for k in j..<t {
                            let value = Self.dot(products[j].elements[range], products[k].elements[range])
                            gram[i][j][k] += value
                            if k != j { gram[i][k][j] += value }
                        }
                    }
                }
                start = end
            }
        }
        self.init(gram: gram, ranks: ranks, energyFraction: energyFraction)
    }

    /// Rows `range` of S·ΔWⱼᵀ. For a dense update the rows of task j's own block `own`, (ΔWⱼVⱼ)ᵀ = (UⱼΣⱼ)ᵀ,
    /// are read from its SVD (row q = σ_q·u_qᵀ) instead of multiplied: 1/T of the GEMM work saved.
    private static func transposedProduct(_ update: WeightUpdate, _ stacked: MatrixF, rows range: Range<Int>, own: Range<Int>, factors: SingularValueDecomposition<Float>) -> MatrixF {
        let inside = range.clamped(to: own)
        guard case .dense = update, !inside.isEmpty else { return transposedProduct(update, stacked.rows(range)) }
        var result = MatrixF(zeros: range.count, factors.u.rows)
        if range.lowerBound < inside.lowerBound {
            result.setBlock(row: 0, column: 0, to: transposedProduct(update, stacked.rows(range.lowerBound..<inside.lowerBound)))
        }
        if inside.upperBound < range.upperBound {
            result.setBlock(row: inside.upperBound - range.lowerBound, column: 0, to: transposedProduct(update, stacked.rows(inside.upperBound..<range.upperBound)))
        }
        let triplets = (inside.lowerBound - own.lowerBound)..<(inside.upperBound - own.lowerBound)
        let ownRows = factors.u.columns(triplets).scalingColumns(by: Array(factors.singularValues[triplets])).transposed
        result.setBlock(row: inside.lowerBound - range.lowerBound, column: 0, to: ownRows)
        return result
    }

    /// S·ΔWᵀ for S p×n (LoRA: s·(S·Aᵀ)·Bᵀ), p × m.
    static func transposedProduct(_ update: WeightUpdate, _ s: MatrixF) -> MatrixF {
        switch update {
        case let .dense(d): return s.multiplied(by: d, transposingOther: true)
        case let .lowRank(b, a, scale): return scale * s.multiplied(by: a, transposingOther: true).multiplied(by: b, transposingOther: true)
        }
    }

    /// Σ xᵢyᵢ over two equally long contiguous slices (BLAS dot, accumulated in Float as before).
    private static func dot(_ x: ArraySlice<Float>, _ y: ArraySlice<Float>) -> Double {
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                guard let a = xp.baseAddress, let b = yp.baseAddress else { return 0 }
                return Float.wideDot(count: xp.count, a, b)
            }
        }
    }

    /// The objective from a Gram tensor (for instance the sum of several layers' tensors).
    public init(gram: [[[Double]]], ranks: [Int], energyFraction: Double) {
        self.gram = gram
        self.ranks = ranks
        self.energyFraction = energyFraction
        matrix = gram.indices.map { i in
            let own = gram[i][i][i]
            return own > 0 ? gram[i].indices.map { gram[i][$0][$0] / own } : nil
        }
        all = Self.merge(gram: gram, tasks: Array(gram.indices))
    }

    /// Task arithmetic over a subset of the tasks (e.g. one pair).
    public func merge(of tasks: [Int]) -> Merge { Self.merge(gram: gram, tasks: tasks) }

    /// The objective of a whole model: the per-layer Gram tensors summed (every layer's objective is a sum
    /// over the same tasks, so they add). Ranks are summed too. Precondition: same T everywhere.
    public static func combined(_ layers: [TaskInterference]) -> TaskInterference? {
        guard let first = layers.first else { return nil }
        var gram = first.gram, ranks = first.ranks
        for layer in layers.dropFirst() {
            for i in gram.indices {
                ranks[i] += layer.ranks[i]
                for j in gram.indices {
                    for k in gram.indices { gram[i][j][k] += layer.gram[i][j][k] }
                }
            }
        }
        return TaskInterference(gram: gram, ranks: ranks, energyFraction: first.energyFraction)
    }

    private static func merge(gram: [[[Double]]], tasks: [Int]) -> Merge {
        let a = tasks.map { i in tasks.reduce(0.0) { sum, j in tasks.reduce(sum) { $0 + gram[i][j][$1] } } }
        let b = tasks.map { i in tasks.reduce(0.0) { $0 + gram[i][$1][i] } }
        let c = tasks.map { gram[$0][$0][$0] }
        let live = c.indices.filter { c[$0] > 0 }
        let numerator = live.reduce(0.0) { $0 + b[$1] / c[$1] }
        let denominator = live.reduce(0.0) { $0 + a[$1] / c[$1] }
        var merge = Merge(tasks: tasks, a: a, b: b, c: c, lambdaStar: denominator > 0 ? numerator / denominator : nil, residuals: [])
        if let lambda = merge.lambdaStar {
            merge.residuals = c.indices.map { merge.residual(at: $0, lambda: lambda) ?? 0 }
        }
        return merge
    }
}
