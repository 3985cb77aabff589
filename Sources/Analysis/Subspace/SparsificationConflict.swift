/// What a sparsifying merge (TIES, DARE, DELLA; ``SparsificationSettings``) does to one tensor's task
/// vectors τᵢ = ΔWᵢ, as sufficient statistics — counts and energies, never ratios — so the model level is
/// the sum over layers (``SparsificationSummary``).
///
/// Per task: how many entries and how much energy ‖τᵢ‖² the trimming keeps. Across tasks: among entries
/// kept (and nonzero) in ≥ 2 tasks' trimmed vectors τ̃ᵢ, how many carry both signs of wᵢ τ̃ᵢ (mergekit
/// elects signs on the weighted vectors), and, for TIES, the energy the election discards:
/// Σᵢ Σₑ [e kept by i, sign(wᵢ τᵢₑ) ≠ sign(Σⱼ wⱼ τ̃ⱼₑ)] τᵢₑ² (mergekit's elected sign is + when the sum is 0).
///
/// Magnitude trimming is exact: the top k = max(1, ⌊d·numel⌋) |entries| of the tensor (mergekit's
/// `magnitude`; an exact tie in |τ| at the cut keeps the lower indices, where torch's unstable argsort may
/// pick others). Random methods report expectations over the masks, each entry kept independently with
/// probability pᵢₑ (d for DARE, the rank-based pₑ for DELLA): E[kept entries] = Σ p, E[kept energy] =
/// Σ p τ², E[#kept by ≥ 2] and E[#with both signs] per entry from the product formulas in
/// ``expectedOverlap(_:)``. The election's discarded energy depends on the draws and is not given for them.
/// Energies are before any rescale (mergekit's `rescale` multiplies the kept entries by ‖τ‖₁/‖τ̃‖₁).
public struct SparsificationStatistics: Codable, Sendable, Equatable {
    /// One task's trimming of this tensor.
    public struct Task: Codable, Sendable, Equatable {
        /// numel.
        public var entries: Int
        /// ‖τᵢ‖².
        public var energy: Double
        /// Entries kept (exact for magnitude, expected otherwise).
        public var keptEntries: Double
        /// Σ of kept τ² before rescale (exact or expected).
        public var keptEnergy: Double
    }

    /// The trimming.
    public var method: SparsificationSettings.Method
    /// One per config model, in config order.
    public var tasks: [Task]
    /// Entries kept with a nonzero value by ≥ 2 tasks (expected for random methods).
    public var overlapEntries: Double
    /// Of those, entries where the kept wᵢ τᵢₑ carry both signs (expected for random methods).
    public var conflictEntries: Double
    /// Energy of kept entries whose sign differs from the elected one (TIES only; nil otherwise).
    public var electionDiscardedEnergy: Double?

    /// The statistics of one tensor: `updates[p]` is the config's p-th model's τ (dense, row-major).
    public init(updates: [MatrixF], settings: SparsificationSettings) {
        precondition(updates.count == settings.densities.count, "one update per config model")
        method = settings.method
        let weights = settings.weights
        switch settings.method {
        case .magnitude:
            let masks = zip(updates, settings.densities).map { Self.magnitudeMask($0.elements, density: $1) }
            tasks = zip(updates, masks).map { update, mask in Task(update, keeping: { mask[$0] ? 1 : 0 }) }
            var overlap = 0.0, conflict = 0.0, discarded = 0.0
            for e in 0..<(updates.first?.elements.count ?? 0) {
                var elected = 0.0, positive = 0, negative = 0
                for p in updates.indices where masks[p][e] {
                    let v = weights[p] * Double(updates[p].elements[e])
                    elected += v
                    if v > 0 { positive += 1 } else if v < 0 { negative += 1 }
                }
                if positive + negative >= 2 { overlap += 1 }
                if positive > 0 && negative > 0 { conflict += 1 }
                if settings.electsSigns && positive > 0 && negative > 0 {
                    let sign = elected >= 0 ? 1.0 : -1.0
                    for p in updates.indices where masks[p][e] {
                        let x = Double(updates[p].elements[e])
                        if weights[p] * x * sign < 0 { discarded += x * x }
                    }
                }
            }
            overlapEntries = overlap
            conflictEntries = conflict
            electionDiscardedEnergy = settings.electsSigns ? discarded : nil
        case .random, .dellaMagprune:
            // DARE keeps every entry with its model's density; DELLA with a per-entry probability.
            let probabilities: [(Int) -> Double] = updates.indices.map { p in
                let density = settings.densities[p]
                guard settings.method == .dellaMagprune else { return { _ in density } }
                let della = Self.dellaProbabilities(updates[p], density: density, epsilon: settings.epsilons[p])
                return { della[$0] }
            }
            tasks = zip(updates, probabilities).map { Task($0, keeping: $1) }
            var overlap = 0.0, conflict = 0.0
            var entry = [(probability: Double, sign: Double)](repeating: (0, 0), count: updates.count)
            for e in 0..<(updates.first?.elements.count ?? 0) {
                for p in updates.indices {
                    let v = weights[p] * Double(updates[p].elements[e])
                    entry[p] = (v == 0 ? 0 : probabilities[p](e), v > 0 ? 1 : -1)
                }
                let expected = Self.expectedOverlap(entry)
                overlap += expected.overlap
                conflict += expected.conflict
            }
            overlapEntries = overlap
            conflictEntries = conflict
            electionDiscardedEnergy = nil
        }
    }

    /// The mask of mergekit's `magnitude`: true for the top k = max(1, ⌊density·n⌋) |values| (all when
    /// density ≥ 1); exact ties at the cut keep the lowest indices. O(n) expected (quickselect).
    static func magnitudeMask(_ values: [Float], density: Double) -> [Bool] {
        let n = values.count
        guard density < 1 else { return [Bool](repeating: true, count: n) }
        guard n > 0, density > 0 else { return [Bool](repeating: false, count: n) }
        let k = Swift.max(1, Int(density * Double(n)))
        var magnitudes = values.map { abs($0) }
        let cut = Self.largest(k, in: &magnitudes)
        var mask = values.map { abs($0) > cut }
        var ties = k - mask.lazy.filter { $0 }.count
        for i in values.indices where ties > 0 && abs(values[i]) == cut {
            mask[i] = true
            ties -= 1
        }
        return mask
    }

    /// The k-th largest of `values` (1 ≤ k ≤ count), by quickselect; reorders `values`.
    static func largest(_ k: Int, in values: inout [Float]) -> Float {
        let target = k - 1
        var low = 0, high = values.count - 1
        while low < high {
            let pivot = values[low + (high - low) / 2]
            var i = low, j = high
            while i <= j {
                while values[i] > pivot { i += 1 }
                while values[j] < pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if target <= j { high = j } else if target >= i { low = i } else { return values[target] }
        }
        return values[target]
    }

    /// DELLA's keep probabilities (mergekit's `della_magprune`): per row of the out × in tensor, entries
    /// ranked 1…n by ascending |τ| (ties in index order), pₑ = (d − ε) + 2ε·(rankₑ − 1)/(n − 1), clamped to
    /// [0, 1]; a one-column tensor keeps at d − ε + 0 (mergekit's rank_norm is undefined there, taken 0).
    static func dellaProbabilities(_ update: MatrixF, density: Double, epsilon: Double) -> [Double] {
        guard density < 1 else { return [Double](repeating: 1, count: update.elements.count) }
        var probabilities = [Double](repeating: 0, count: update.elements.count)
        let n = update.columns
        // Sort keys |τ|'s bit pattern (ordered like the value for finite |τ| ≥ 0) then the column: one
        // integer sort per row, ties in index order.
        var keys = [UInt64](repeating: 0, count: n)
        for row in 0..<update.rows {
            let start = row * n
            for column in 0..<n { keys[column] = UInt64(abs(update.elements[start + column]).bitPattern) << 32 | UInt64(column) }
            keys.sort()
            for (rank, key) in keys.enumerated() {
                let normalized = n > 1 ? Double(rank) / Double(n - 1) : 0
                probabilities[start + Int(key & 0xFFFF_FFFF)] = Swift.min(1, Swift.max(0, density - epsilon + normalized * 2 * epsilon))
            }
        }
        return probabilities
    }

    /// For one entry kept independently by task i with probability pᵢ (0 for a zero value) carrying sign sᵢ:
    /// P(kept by ≥ 2) = 1 − c₀ − c₁ (c₀ = Πᵢ(1 − pᵢ), c₁ = Σᵢ pᵢ Π_{j≠i}(1 − pⱼ)) and
    /// P(both signs kept) = 1 − Π_{s=+}(1 − p) − Π_{s=−}(1 − p) + Πᵢ(1 − pᵢ).
    static func expectedOverlap(_ entry: [(probability: Double, sign: Double)]) -> (overlap: Double, conflict: Double) {
        var none = 1.0, one = 0.0, nonePositive = 1.0, noneNegative = 1.0
        for (p, sign) in entry {
            one = one * (1 - p) + none * p
            none *= 1 - p
            if sign > 0 { nonePositive *= 1 - p } else { noneNegative *= 1 - p }
        }
        return (Swift.max(0, 1 - none - one), Swift.max(0, 1 - nonePositive - noneNegative + none))
    }
}

extension SparsificationStatistics.Task {
    /// The trimming of `update` that keeps entry e with probability `keep(e)` (0 or 1 for a mask):
    /// kept entries Σₑ pₑ and kept energy Σₑ pₑτₑ², exact for a mask, expected otherwise.
    init(_ update: MatrixF, keeping keep: (Int) -> Double) {
        var kept = 0.0, keptEnergy = 0.0, energy = 0.0
        for (e, x) in update.elements.enumerated() {
            let square = Double(x) * Double(x), p = keep(e)
            energy += square
            kept += p
            keptEnergy += p * square
        }
        self.init(entries: update.elements.count, energy: energy, keptEntries: kept, keptEnergy: keptEnergy)
    }
}
