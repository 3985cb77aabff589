import Foundation

/// The SMILE router, FusionBench's `SmileGate` (`fusion_bench/models/smile_moe/linear_from_module.py`).
///
/// `weights` stacks, expert by expert, the top `gate_k` right singular vectors of each update ΔWᵢ:
///
///     weights = [V_{1,:g}ᵀ; V_{2,:g}ᵀ; …; V_{E,:g}ᵀ]      (E·g)×in, rows i·g ..< (i+1)·g for expert i
///
/// and the router logit of expert i for input x is the Euclidean norm of x's projection on that
/// subspace, `F.linear(x, weights).view(B, E, g).norm(p=2, dim=2)` in FusionBench:
///
///     logitᵢ(x) = ‖V_{i,:g}ᵀ x‖₂
///
/// With a single expert FusionBench's gate returns 1 for every input; so does ``logits(_:)``.
public struct SmileGate: Sendable, Equatable {
    /// The stacked V_{i,:g}ᵀ, (E·g)×in.
    public var weights: MatrixF
    /// E, the number of experts.
    public var expertCount: Int

    /// A gate over `weights`. Preconditions: E ≥ 1 and `weights.rows` is a multiple of E.
    public init(weights: MatrixF, expertCount: Int) {
        precondition(expertCount >= 1 && weights.rows % expertCount == 0, "gate rows \(weights.rows) are not a multiple of \(expertCount) experts")
        self.weights = weights
        self.expertCount = expertCount
    }

    /// The gate of rank g = min(`gateRank`, m, n) over update decompositions:
    ///
    ///     weights = [V_{1,:g}ᵀ; …; V_{E,:g}ᵀ]
    ///
    /// A row whose singular value is numerically zero (beyond the update's numerical rank, or an absent
    /// update) is zero instead of an arbitrary null-space direction, so it adds nothing to the logit;
    /// FusionBench's full SVD would put an arbitrary orthonormal completion there.
    public init(decompositions: [UpdateDecomposition], gateRank: Int) {
        let (m, n) = (decompositions.first?.rows ?? 0, decompositions.first?.columns ?? 0)
        let g = Swift.max(1, Swift.min(gateRank, Swift.min(m, n)))
        var weights = MatrixF(zeros: decompositions.count * g, n)
        for (e, d) in decompositions.enumerated() {
            for j in 0..<Swift.min(g, d.numericalRank) {
                for c in 0..<n { weights[e * g + j, c] = d.svd.vt[j, c] }
            }
        }
        self.init(weights: weights, expertCount: decompositions.count)
    }

    /// g = gate_k, the rows per expert.
    public var gateRank: Int { weights.rows / expertCount }
    /// in features.
    public var inFeatures: Int { weights.columns }

    /// logitᵢ(x_r) = ‖V_{i,:g}ᵀ x_r‖₂ for a B×in batch (one input per row); B×E. All ones when E = 1.
    public func logits(_ x: MatrixF) -> MatrixF {
        precondition(x.columns == inFeatures, "input has \(x.columns) features, the gate takes \(inFeatures)")
        guard expertCount > 1 else { return MatrixF(rows: x.rows, columns: 1, elements: Array(repeating: 1, count: x.rows)) }
        return logits(projections: x.multiplied(by: weights, transposingOther: true), using: gateRank)
    }

    /// The logits of a gate that keeps only the first `g` ≤ ``gateRank`` rows of each expert's block,
    /// from `projections` = X · weightsᵀ (B×(E·gate_k)): ‖(first g of block i)‖₂. All ones when E = 1.
    public func logits(projections: MatrixF, using g: Int) -> MatrixF {
        precondition(projections.columns == weights.rows && g >= 1 && g <= gateRank, "projections do not match the gate")
        guard expertCount > 1 else { return MatrixF(rows: projections.rows, columns: 1, elements: Array(repeating: 1, count: projections.rows)) }
        let width = gateRank
        var out = MatrixF(zeros: projections.rows, expertCount)
        for r in 0..<projections.rows {
            for e in 0..<expertCount {
                var sum: Float = 0
                for j in 0..<g { let p = projections[r, e * width + j]; sum += p * p }
                out[r, e] = sum.squareRoot()
            }
        }
        return out
    }

    /// (E·g)·in.
    public var parameterCount: Int { weights.rows * weights.columns }

    /// cᵢ = ‖W Gᵢᵀ‖_F for each expert's block Gᵢ (g×in): the root-mean-square logit of expert i for inputs
    /// x ~ N(0, WᵀW), i.e. inputs shaped like what `weight` (m×in, the pretrained layer) responds to —
    /// direction vⱼ of W weighted by its σⱼ. Zero for an all-zero block.
    public func inputScales(weight: MatrixF) -> [Double] {
        precondition(weight.columns == inFeatures, "the weight takes \(weight.columns) features, the gate \(inFeatures)")
        let projected = weight.multiplied(by: weights, transposingOther: true)  // m × (E·g)
        let g = gateRank
        var squares = [Double](repeating: 0, count: expertCount)
        for r in 0..<projected.rows {
            for e in 0..<expertCount {
                for j in 0..<g { let p = Double(projected[r, e * g + j]); squares[e] += p * p }
            }
        }
        return squares.map { $0.squareRoot() }
    }

    /// The gate with each expert's block scaled by c̄/cᵢ (``inputScales(weight:)``, c̄ their mean over
    /// non-zero blocks): every expert gets the same typical logit, so an expert whose subspace catches
    /// more of the common input energy no longer wins everywhere, and the mean logit scale — FusionBench's
    /// softmax temperature — is kept. A per-expert constant folds into the gate rows, so the result is
    /// still a FusionBench gate. Zero blocks stay zero; with one expert the gate is returned unchanged.
    public func balanced(weight: MatrixF) -> SmileGate {
        guard expertCount > 1 else { return self }
        let scales = inputScales(weight: weight)
        let live = scales.filter { $0 > 0 }
        guard !live.isEmpty else { return self }
        let mean = live.reduce(0, +) / Double(live.count)
        var out = weights
        let g = gateRank
        for e in 0..<expertCount where scales[e] > 0 {
            let factor = Float(mean / scales[e])
            for r in (e * g)..<((e + 1) * g) {
                for c in 0..<inFeatures { out[r, c] *= factor }
            }
        }
        return SmileGate(weights: out, expertCount: expertCount)
    }
}

/// How a batch is routed, following FusionBench's `SmileMoELinear.forward`: softmax over **all** experts'
/// logits, then keep the `top_k` largest probabilities, then renormalise them to sum to 1.
///
///     pᵢ = exp(logitᵢ) / Σⱼ exp(logitⱼ);   T = top_k indices of p;   wᵢ = pᵢ / Σ_{j∈T} pⱼ for i ∈ T, 0 otherwise.
///
/// Ties in p are broken towards the lower expert index.
public struct SmileRouting: Sendable, Equatable {
    /// Router logits, B×E.
    public var logits: MatrixF
    /// Softmax of each row of ``logits``, B×E.
    public var probabilities: MatrixF
    /// For each input, the `top_k` selected experts, most probable first.
    public var selected: [[Int]]
    /// The renormalised routing weights wᵢ, B×E, zero for experts not selected.
    public var weights: MatrixF

    /// Routes from the logits (B×E), keeping `topK` experts (clamped to 1…E).
    public init(logits: MatrixF, topK: Int) {
        let experts = logits.columns
        let keep = Swift.max(1, Swift.min(topK, experts))
        var probabilities = MatrixF(zeros: logits.rows, experts)
        var weights = MatrixF(zeros: logits.rows, experts)
        var selected = [[Int]]()
        selected.reserveCapacity(logits.rows)
        for r in 0..<logits.rows {
            let row = logits.row(r).map(Double.init)
            let peak = row.max() ?? 0
            let exps = row.map { exp($0 - peak) }
            let total = exps.reduce(0, +)
            let p = exps.map { $0 / total }
            for e in 0..<experts { probabilities[r, e] = Float(p[e]) }
            let top = Array(p.indices.sorted { p[$0] != p[$1] ? p[$0] > p[$1] : $0 < $1 }.prefix(keep))
            let mass = top.reduce(0) { $0 + p[$1] }
            for e in top { weights[r, e] = Float(p[e] / mass) }
            selected.append(top)
        }
        self.logits = logits
        self.probabilities = probabilities
        self.selected = selected
        self.weights = weights
    }
}
