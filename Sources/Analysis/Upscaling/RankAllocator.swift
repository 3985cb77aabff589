/// Spends a parameter budget on expert ranks by greedy water-filling over marginal gains.
///
/// Each ``Unit`` is something whose rank can grow one step at a time (a layer's experts sharing one k, or
/// a single expert): step j (1-based) costs `stepCost` parameters and buys `gains[j-1]`. Every unit starts
/// at its `floor` (paid up front with its `fixedCost`), then steps are taken in one global order — by
/// gain per parameter, descending; ties to the lower unit index, then the lower step — and the allocation
/// is the longest prefix of that order that fits the budget:
///
///     order: (gain_{u,j} / cost_u) descending;   take steps while Σ fixed + Σ floor·cost + Σ taken ≤ B
///
/// Properties (each tested):
/// - with non-increasing `gains` per unit (a concave value per unit, as energy shares of sorted singular
///   values are), the prefix is the exact optimum of Σ value for its own spent cost: a ratio-sorted
///   prefix is the fractional-knapsack optimum, and at a prefix boundary that optimum is integral;
/// - when every unit's step costs the same, it is the exact optimum for the budget B itself (a step that
///   does not fit means none does);
/// - it is monotone: a larger budget takes a longer prefix, so no unit's rank ever decreases;
/// - it leaves at most one step's cost unspent beyond what the next step needs.
///
/// Gains that rise through rounding are clamped to the running minimum so the order stays per-unit.
public enum RankAllocator {
    /// One unit of allocation.
    public struct Unit: Sendable, Equatable {
        /// Parameters one more rank costs (E·(m + n) for a layer of E experts sharing k).
        public var stepCost: Int
        /// Parameters paid whatever the rank (router, expert biases).
        public var fixedCost: Int
        /// The rank the unit starts at (at most `gains.count`).
        public var floor: Int
        /// The value of step j at index j − 1; `gains.count` is the largest rank the unit may reach.
        public var gains: [Double]

        public init(stepCost: Int, fixedCost: Int, floor: Int, gains: [Double]) {
            self.stepCost = stepCost
            self.fixedCost = fixedCost
            self.floor = Swift.min(Swift.max(0, floor), gains.count)
            self.gains = gains
        }

        /// fixed + floor · step: the cost before any greedy step.
        public var mandatoryCost: Int { fixedCost + floor * stepCost }
        /// Σ_{j ≤ rank} gains.
        public func value(rank: Int) -> Double { gains.prefix(Swift.max(0, rank)).reduce(0, +) }
        /// fixed + rank · step.
        public func cost(rank: Int) -> Int { fixedCost + rank * stepCost }
    }

    /// The ranks chosen and what they cost and buy.
    public struct Allocation: Sendable, Equatable {
        /// One rank per unit.
        public var ranks: [Int]
        /// Σ fixed + rank · step.
        public var cost: Int
        /// Σ value(rank).
        public var value: Double
    }

    /// The parameters every unit needs before any greedy step: Σ fixed + floor · step.
    public static func mandatoryCost(_ units: [Unit]) -> Int { units.reduce(0) { $0 + $1.mandatoryCost } }

    /// Allocates `budget` parameters over `units`; nil when even the mandatory cost does not fit.
    public static func allocate(_ units: [Unit], budget: Int) -> Allocation? {
        var spent = mandatoryCost(units)
        guard spent <= budget else { return nil }
        var ranks = units.map(\.floor)
        for step in order(units) {
            let cost = units[step.unit].stepCost
            guard spent + cost <= budget else { break }
            spent += cost
            ranks[step.unit] += 1
        }
        return Allocation(ranks: ranks, cost: spent, value: zip(units, ranks).reduce(0) { $0 + $1.0.value(rank: $1.1) })
    }

    /// Every step above the floors, in the greedy order.
    static func order(_ units: [Unit]) -> [(unit: Int, step: Int, ratio: Double)] {
        var steps = [(unit: Int, step: Int, ratio: Double)]()
        for (u, unit) in units.enumerated() where unit.floor < unit.gains.count {
            var gain = unit.gains[..<unit.floor].last ?? Double.infinity
            for j in unit.floor..<unit.gains.count {
                gain = Swift.min(gain, Swift.max(0, unit.gains[j]))
                steps.append((u, j, gain / Double(Swift.max(1, unit.stepCost))))
            }
        }
        return steps.sorted { a, b in
            if a.ratio != b.ratio { return a.ratio > b.ratio }
            return a.unit != b.unit ? a.unit < b.unit : a.step < b.step
        }
    }
}
