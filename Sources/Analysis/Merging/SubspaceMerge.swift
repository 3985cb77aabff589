/// The merged update M of one 2-D linear weight under the subspace methods, from the task updates
/// τ₁…τ_T (out × in, dense or LoRA factors). The merged weight is W_pre + α·M (``ModelMerger``).
///
/// All three follow the authors' code, where it and the paper text differ:
///
/// - **TSV-M** (aimagelab `task_singular_vectors`, `compute_and_sum_svs_for_tasks`): k = ⌊min(m, n)·(1/T)⌋
///   (Python's `int(r * (1 / T))`, the same Double arithmetic); every τᵢ = UᵢSᵢVᵢᵀ keeps its top kᵢ
///   triplets; Û = [U₁,ₖ … U_T,ₖ], Ŝ, V̂ᵀ = [V₁,ₖᵀ; …] are stacked and both sides are replaced by their
///   polar factors (the orthogonal factor PQᵀ of the thin SVD PΣQᵀ): M = polar(Û) diag(Ŝ) polar(V̂ᵀ).
/// - **Iso-C** (`iso-merging`, `iso_c`): the SVD of the sum Σᵢτᵢ = UΣVᵀ (the code multiplies the mean
///   back by T), every singular value replaced by their mean: M = σ̄ · U_d V_dᵀ.
/// - **Iso-CTS** (`iso_cts`, `common_space_fraction` f = 0.8): from the SVD of the sum, c = ⌊d·f⌋ common
///   directions, then c = d − round((d − c)/T)·T (Python's round, half to even) so the rest splits
///   evenly, p = (d − c)/T per task; each task's τᵢ − U_c U_cᵀ τᵢ gives its top p triplets; Û, Ŝ, V̂ᵀ stack
///   the task blocks then the common ones, both sides are orthogonalised as in TSV-M, and every
///   singular value is replaced by the mean of Ŝ: M = mean(Ŝ) · polar(Û) polar(V̂ᵀ).
///
/// **Rank (the LoRA traps).** The reference code works over all min(m, n) directions. That is right for
/// full fine-tunes, whose updates have full numerical rank, but a LoRA update of rank r has only r
/// directions: the code's other slots carry arbitrary singular vectors with σ = 0, which Iso-C gives the
/// mean singular value (writing large updates into directions no task touched) and TSV-M's polar factor
/// mixes into the real ones. Here every block is limited to the numerical rank (#{σⱼ > σ₁·max(m, n)·ε},
/// ``UpdateDecomposition``): kᵢ = min(k, rankᵢ) in TSV-M and Iso-CTS's task blocks, and d = rank of the
/// sum (not min(m, n)) in Iso-C and Iso-CTS. With full-rank updates this is the reference exactly.
/// A zero sum, or no triplet kept, gives M = 0.
public enum SubspaceMerge {
    /// TSV-M's merged update of `updates` (T ≥ 1, one shape). `context` names the tensor in errors.
    /// - Throws: ``LinearAlgebraError`` (non-finite input, SVD failure).
    public static func tsv(_ updates: [WeightUpdate], context: String) throws -> MatrixF {
        let (m, n) = updates[0].shape
        guard let factors = try tsvFactors(updates, context: context) else { return MatrixF(zeros: m, n) }
        return factors.left * factors.right
    }

    /// TSV-M's merged update in factored form, M = L·R with L = polar(Û) diag(Ŝ) (m × w) and
    /// R = polar(V̂ᵀ) (w × n), w = Σᵢ kᵢ the triplets kept (at most the sum of the updates' ranks, so a
    /// LoRA family's M stays low rank); nil when no triplet is kept (M = 0).
    public static func tsvFactors(_ updates: [WeightUpdate], context: String) throws -> (left: MatrixF, right: MatrixF)? {
        let (m, n) = updates[0].shape
        let k = Int(Double(Swift.min(m, n)) * (1.0 / Double(updates.count)))
        let blocks = try updates.map { update -> SingularValueDecomposition<Float> in
            let decomposition = try UpdateDecomposition(update, context: context)
            return decomposition.svd.truncated(to: Swift.min(k, decomposition.numericalRank))
        }
        return try orthogonalisedFactors(blocks, rows: m, flatten: false, context: context)
    }

    /// Iso-C's merged update of `updates` (T ≥ 1, one shape).
    public static func isoC(_ updates: [WeightUpdate], context: String) throws -> MatrixF {
        let (m, n) = updates[0].shape
        guard let factors = try isoCFactors(updates, context: context) else { return MatrixF(zeros: m, n) }
        return factors.mean * (factors.u * factors.vt)
    }

    /// Iso-C's merged update in factored form, M = σ̄ · U_d V_dᵀ (d = the sum's numerical rank, σ̄ the
    /// mean of its d singular values); nil when the sum is zero (M = 0).
    public static func isoCFactors(_ updates: [WeightUpdate], context: String) throws -> (mean: Float, u: MatrixF, vt: MatrixF)? {
        let sum = try UpdateDecomposition(Self.sum(updates), context: context)
        let d = sum.numericalRank
        guard d > 0 else { return nil }
        let kept = sum.svd.truncated(to: d)
        let mean = Float(kept.singularValues.reduce(0) { $0 + Double($1) } / Double(d))
        return (mean, kept.u, kept.vt)
    }

    /// Iso-CTS's merged update of `updates` (T ≥ 1, one shape) with `commonFraction` f in [0, 1].
    public static func isoCTS(_ updates: [WeightUpdate], commonFraction: Double = 0.8, context: String) throws -> MatrixF {
        let (m, n) = updates[0].shape
        let t = updates.count
        let sum = try UpdateDecomposition(Self.sum(updates), context: context)
        let d = sum.numericalRank
        guard d > 0 else { return MatrixF(zeros: m, n) }
        let (common, perTask) = isoCTSSplit(rank: d, tasks: t, commonFraction: commonFraction)
        let commonBlock = sum.svd.truncated(to: common)
        let uc = commonBlock.u
        var blocks = [SingularValueDecomposition<Float>]()
        if perTask > 0 {
            for update in updates {
                let specific = try UpdateDecomposition(removing(uc, from: update), context: context)
                blocks.append(specific.svd.truncated(to: Swift.min(perTask, specific.numericalRank)))
            }
        }
        blocks.append(commonBlock)
        return try orthogonalisedProduct(blocks, rows: m, columns: n, flatten: true, context: context)
    }

    /// Iso-CTS's split of d directions among T tasks: (common c, per task p), c + T·p = d.
    static func isoCTSSplit(rank d: Int, tasks t: Int, commonFraction: Double) -> (common: Int, perTask: Int) {
        var common = Int(Double(d) * commonFraction)
        let specificTotal = Int((Double(d - common) / Double(t)).rounded(.toNearestOrEven)) * t
        common = Swift.max(0, d - specificTotal)
        return (common, (d - common) / t)
    }

    /// Σᵢ τᵢ: LoRA factors stacked ([s₁B₁ … s_T B_T] · [A₁; …; A_T], rank Σ rᵢ) when every update is
    /// low rank, else dense.
    static func sum(_ updates: [WeightUpdate]) -> WeightUpdate {
        var lefts = [MatrixF](), rights = [MatrixF]()
        for update in updates {
            guard case let .lowRank(b, a, scale) = update else {
                return .dense(updates.dropFirst().reduce(updates[0].dense) { $0 + $1.dense })
            }
            lefts.append((scale * b).transposed)
            rights.append(a)
        }
        return .lowRank(b: MatrixF.verticallyConcatenated(lefts).transposed, a: MatrixF.verticallyConcatenated(rights), scale: 1)
    }

    /// τ − U_c U_cᵀ τ, kept low rank for LoRA factors.
    static func removing(_ uc: MatrixF, from update: WeightUpdate) -> WeightUpdate {
        switch update {
        case let .dense(d):
            return .dense(d - uc * uc.multiplied(by: d, transposingSelf: true))
        case let .lowRank(b, a, scale):
            return .lowRank(b: b - uc * uc.multiplied(by: b, transposingSelf: true), a: a, scale: scale)
        }
    }

    /// polar([U₁ U₂ …]) diag(Ŝ) polar([V₁ᵀ; V₂ᵀ; …]); with `flatten`, every σ replaced by mean(Ŝ).
    static func orthogonalisedProduct(_ blocks: [SingularValueDecomposition<Float>], rows m: Int, columns n: Int, flatten: Bool, context: String) throws -> MatrixF {
        guard let factors = try orthogonalisedFactors(blocks, rows: m, flatten: flatten, context: context) else { return MatrixF(zeros: m, n) }
        return factors.left * factors.right
    }

    /// The two factors of ``orthogonalisedProduct(_:rows:columns:flatten:context:)``:
    /// (polar([U₁ U₂ …]) diag(Ŝ), polar([V₁ᵀ; V₂ᵀ; …])); nil when no block has a triplet.
    static func orthogonalisedFactors(_ blocks: [SingularValueDecomposition<Float>], rows m: Int, flatten: Bool, context: String) throws -> (left: MatrixF, right: MatrixF)? {
        let width = blocks.reduce(0) { $0 + $1.rank }
        guard width > 0 else { return nil }
        var u = MatrixF(zeros: m, width)
        var column = 0
        for block in blocks {
            u.setBlock(row: 0, column: column, to: block.u)
            column += block.rank
        }
        let vt = MatrixF.verticallyConcatenated(blocks.map(\.vt))
        var sigma = blocks.flatMap(\.singularValues)
        if flatten {
            let mean = Float(sigma.reduce(0) { $0 + Double($1) } / Double(width))
            sigma = Array(repeating: mean, count: width)
        }
        return (try polarFactor(u, context: context).scalingColumns(by: sigma), try polarFactor(vt, context: context))
    }

    /// The orthogonal polar factor P Qᵀ of A = P Σ Qᵀ (thin SVD): the nearest matrix with orthonormal
    /// columns (or rows) in the Frobenius norm.
    static func polarFactor(_ a: MatrixF, context: String) throws -> MatrixF {
        let svd = try a.singularValueDecomposition(context: context)
        return svd.u * svd.vt
    }
}
