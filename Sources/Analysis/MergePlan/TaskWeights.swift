/// Per-model merge weights w* (one coefficient per task) minimising the data-free interference objective.
///
/// Merging W̃ = W_pre + Σ_{j∈S} wⱼ ΔWⱼ, task i keeps Lᵢ(w) = ‖(Σⱼ wⱼ ΔWⱼ − ΔWᵢ)Pᵢ‖² / ‖ΔWᵢPᵢ‖² of its
/// own update's error, summed over layers exactly as ``TaskInterference/combined(_:)`` sums them (numerator
/// and denominator per task over layers: the Gram tensors add). With Gᵢ[j][k] = gram[i][j][k],
/// gᵢ[j] = gram[i][j][i] and cᵢ = gram[i][i][i]:
///
///     Lᵢ(w) = (wᵀGᵢw − 2 wᵀgᵢ + cᵢ) / cᵢ,    Σᵢ Lᵢ(w) = wᵀHw − 2 wᵀr + |S|,
///     H = Σᵢ Gᵢ / cᵢ,   r = Σᵢ gᵢ / cᵢ       (i over the subset's non-zero updates).
///
/// H is positive semi-definite, so the minimiser solves H w = r. The solve is written around the uniform
/// λ* (the one-coefficient optimum): (H + ρI)(w − λ*·1) = r − H λ*·1, by H's eigendecomposition.
/// Directions whose eigenvalue is below 10⁻⁶ of the largest (the Gram tensor is accumulated from Float products, so smaller eigenvalues are rounding) are directions the objective does not see
/// (a zero update, two identical updates): w keeps λ* there instead of being arbitrary, and they are
/// counted in ``unseenDirections``. The optional ridge ρ = `ridge` · tr(H)/|S| (dimensionless, 0 by
/// default) pulls w toward λ*·1; ridge → ∞ gives λ*·1 back.
///
/// These are data-free estimates: the objective proxies each task's inputs by its update's own dominant
/// right singular subspace.
public struct TaskWeights: Codable, Sendable, Equatable {
    /// The merged tasks (indices into the family), in order.
    public var tasks: [Int]
    /// w*ⱼ for each task of the subset.
    public var weights: [Double]
    /// Lᵢ(w*) per task of the subset (0 for zero updates).
    public var residuals: [Double]
    /// The dimensionless ridge toward the uniform λ* that was applied (0 = none).
    public var ridge: Double
    /// λ_max / λ_min of H over the directions it sees (1 for a single task).
    public var conditionNumber: Double
    /// Directions of H below the 10⁻⁶·λ_max cut, where w stays at λ*.
    public var unseenDirections: Int

    /// max over the subset's tasks of Lᵢ(w*).
    public var worstResidual: Double { residuals.max() ?? 0 }
}

extension TaskInterference {
    /// Lᵢ(w) for each task of `tasks` when the subset is merged with per-task weights `weights` (same
    /// order): (wᵀGᵢw − 2wᵀgᵢ + cᵢ)/cᵢ, 0 for a zero update. With every weight equal to λ this is
    /// ``Merge/residual(at:lambda:)``.
    public func residuals(of tasks: [Int], weights: [Double]) -> [Double] {
        precondition(tasks.count == weights.count, "one weight per task")
        return tasks.map { i in
            let c = gram[i][i][i]
            guard c > 0 else { return 0 }
            var quadratic = 0.0, linear = 0.0
            for (p, j) in tasks.enumerated() {
                linear += weights[p] * gram[i][j][i]
                for (q, k) in tasks.enumerated() { quadratic += weights[p] * weights[q] * gram[i][j][k] }
            }
            return (quadratic - 2 * linear + c) / c
        }
    }

    /// The per-task weights w* minimising Σᵢ Lᵢ(w) over the subset `tasks` (see ``TaskWeights``), or nil
    /// when every update of the subset is zero (there is no λ* to start from) or H is not finite.
    /// - Parameter ridge: dimensionless pull toward the uniform λ* (ρ = ridge · tr(H)/|S|); 0 for none.
    public func optimalWeights(of tasks: [Int], ridge: Double = 0) -> TaskWeights? {
        let merge = merge(of: tasks)
        guard let lambda = merge.lambdaStar else { return nil }
        let n = tasks.count
        var h = Matrix<Double>(zeros: n, n), r = [Double](repeating: 0, count: n)
        for i in tasks where gram[i][i][i] > 0 {
            let c = gram[i][i][i]
            for (p, j) in tasks.enumerated() {
                r[p] += gram[i][j][i] / c
                for (q, k) in tasks.enumerated() { h[p, q] += gram[i][j][k] / c }
            }
        }
        let rho = ridge * (0..<n).reduce(0.0) { $0 + h[$1, $1] } / Double(n)
        // Right-hand side around λ*·1: r − Hλ*·1.
        let rhs = (0..<n).map { p in r[p] - lambda * (0..<n).reduce(0.0) { $0 + h[p, $1] } }
        var shifted = h
        for p in 0..<n { shifted[p, p] += rho }
        guard let eigen = try? shifted.symmetricEigendecomposition(context: "task-weight Hessian") else { return nil }
        let largest = eigen.eigenvalues.first ?? 0
        let cut = 1e-6 * largest
        var deviation = [Double](repeating: 0, count: n), seen = [Double]()
        for (e, value) in eigen.eigenvalues.enumerated() where value > cut && value > 0 {
            seen.append(value)
            let projection = (0..<n).reduce(0.0) { $0 + eigen.vectors[e, $1] * rhs[$1] } / value
            for p in 0..<n { deviation[p] += projection * eigen.vectors[e, p] }
        }
        let weights = deviation.map { lambda + $0 }
        return TaskWeights(
            tasks: tasks, weights: weights, residuals: residuals(of: tasks, weights: weights), ridge: ridge,
            conditionNumber: seen.isEmpty ? 1 : seen[0] / seen[seen.count - 1], unseenDirections: n - seen.count)
    }
}
