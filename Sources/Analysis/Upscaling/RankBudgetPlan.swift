import Foundation

/// The expert ranks `--budget F` chooses: the most update energy for at most F·(base parameters of the
/// upscaled layers) extra parameters (routers, experts, expert biases).
///
/// **Objective: the sum of per-expert energy shares** Σ_{layers, experts} Σ_{j≤k} σ_{i,j}² / ‖ΔWᵢ‖²
/// (``LayerSpectra``), not the total energy Σ σ². Total energy is in the units of each layer's weights:
/// a task trained with a larger learning rate, or a layer with larger weights, would take the ranks
/// from every other, and rescaling one update would change how well the others are kept. Shares are
/// scale-free: each expert's relative error ‖ΔWᵢ − ΔW_{i,k}‖²/‖ΔWᵢ‖² counts the same wherever it is,
/// the quantity SMILE's accuracy retention follows; a near-zero but low-rank update still costs little,
/// and a near-zero noisy one buys little per rank, so it is not over-served.
///
/// Layouts with one k per layer (``UpscaleLayout/smileMoELinear``) get one ``RankAllocator`` unit per
/// layer (step cost E·(m + n), ranks 1…min(k cap, largest update rank), floor `rankFloor`); a layout with
/// one k for the whole model (``UpscaleLayout/fusionBenchHF``) gets the largest k whose cost fits,
/// charged for every layer at full k (every expert has that shape there). ``BudgetAllocation/uniform`` on a
/// per-layer layout takes the largest single k, clamped per layer to its rank, whose cost fits. Which
/// spectra the layers carry (residuals or updates) is the caller's ``BudgetAllocation``.
public struct RankBudgetPlan: Codable, Sendable, Equatable {
    /// One layer's share of the plan.
    public struct Layer: Codable, Sendable, Equatable {
        public var module: String
        /// The expert rank chosen.
        public var k: Int
        /// The router rank it is charged with.
        public var gateK: Int
        /// Router + experts + expert biases.
        public var overheadParameters: Int
        /// Mean over experts of the energy share kept.
        public var energyKept: Double
    }

    /// Energy kept at an overhead: a point of the trade-off curve.
    public struct Point: Codable, Sendable, Equatable {
        /// The uniform k (nil for an allocation point).
        public var k: Int?
        /// Overhead parameters / base parameters.
        public var overhead: Double
        /// Mean energy share over (layer, expert).
        public var energyKept: Double
    }

    /// F.
    public var budget: Double
    /// What is maximised.
    public var objective: String
    /// Every layer's least k.
    public var rankFloor: Int
    /// One k for all layers (the layout's constraint).
    public var uniformRank: Bool
    /// Base parameters of the upscaled layers, Σ m·n (+ m).
    public var baseParameters: Int
    /// Σ over layers of router + experts + expert biases.
    public var overheadParameters: Int
    /// overheadParameters / baseParameters (≤ budget).
    public var overhead: Double
    /// Mean energy share over (layer, expert).
    public var energyKept: Double
    /// The best uniform k within the same budget, for comparison (nil when not even k = 1 fits).
    public var uniformAtBudget: Point?
    /// Per layer, in checkpoint order.
    public var layers: [Layer]
    /// What the ranks were allocated on (nil in plans from before `--budget-on`).
    public var allocation: BudgetAllocation?
    /// Mean over (layer, expert) of the residuals' energy share Σ_{j≤k} σⱼ(Rᵢ)²/‖Rᵢ‖² at the chosen k
    /// (the energy the experts keep; nil when not measured).
    public var energyKeptOfResiduals: Double?
    /// The same for the updates ΔWᵢ, Σ_{j≤k} σⱼ(ΔWᵢ)²/‖ΔWᵢ‖² (nil when not measured).
    public var energyKeptOfUpdates: Double?

    /// Mean over (layer, expert) of the share of `spectra` (one per planned layer, same order) kept at
    /// this plan's k.
    public func energyKept(of spectra: [LayerSpectra]) -> Double {
        precondition(spectra.count == layers.count, "one spectrum per planned layer")
        return Self.meanShare(spectra, ranks: layers.map(\.k))
    }

    /// The objective's name as recorded.
    public static let objectiveName = "sum of per-expert energy shares"

    /// Plans ranks for `layers` charged with router ranks `gateRanks` (one per layer).
    ///
    /// - Parameters:
    ///   - budget: F ≥ 0.
    ///   - maxRank: "at most k" (nil: no cap beyond the layer's update rank, or min(m, n) for a uniform k).
    ///   - floor: every layer's least k (≥ 1).
    ///   - uniform: one k for all layers, charged unclamped.
    ///   - clampedUniform: (ignored with `uniform`) one k for all layers, each clamped to
    ///     floor…min(cap, the layer's rank) as the greedy's units are; the largest k whose cost fits.
    /// - Throws: ``UpscaleError/invalidOption(_:)`` when the routers and floor-rank experts alone exceed
    ///   the budget.
    public static func plan(_ layers: [LayerSpectra], gateRanks: [Int], budget: Double, maxRank: Int?, floor: Int, uniform: Bool, clampedUniform: Bool = false) throws -> RankBudgetPlan {
        precondition(gateRanks.count == layers.count, "one gate rank per layer")
        let base = layers.reduce(0) { $0 + $1.baseParameters }
        let allowed = Int((budget * Double(base)).rounded(.down))
        let ranks: [Int]
        // What the routers and expert biases cost before any rank (for the refusal's message).
        let routers = { zip(layers, gateRanks).reduce(0) { $0 + $1.0.fixedCost(gateRank: $1.1) } }
        if uniform {
            let cap = Swift.min(maxRank ?? Int.max, layers.map { Swift.min($0.rows, $0.columns) }.min() ?? 0)
            let cost = { (k: Int) in zip(layers, gateRanks).reduce(0) { $0 + $1.0.overhead(rank: k, gateRank: $1.1) } }
            guard floor <= cap, cost(floor) <= allowed else { throw tooSmall(budget, base: base, routers: cost(0), floorCost: cost(floor) - cost(0), floor: floor) }
            var k = floor
            while k < cap, cost(k + 1) <= allowed { k += 1 }
            ranks = Array(repeating: k, count: layers.count)
        } else if clampedUniform {
            let units = Self.units(layers, gateRanks: gateRanks, maxRank: maxRank, floor: floor)
            let at = { (k: Int) in units.map { Swift.min(Swift.max(k, $0.floor), $0.gains.count) } }
            let cost = { (k: Int) in zip(units, at(k)).reduce(0) { $0 + $1.0.cost(rank: $1.1) } }
            guard cost(floor) <= allowed else { throw tooSmall(budget, base: base, routers: routers(), floorCost: cost(floor) - routers(), floor: floor) }
            let largest = units.map(\.gains.count).max() ?? floor
            var k = floor
            while k < largest, cost(k + 1) <= allowed { k += 1 }
            ranks = at(k)
        } else {
            let units = Self.units(layers, gateRanks: gateRanks, maxRank: maxRank, floor: floor)
            guard let allocation = RankAllocator.allocate(units, budget: allowed) else {
                throw tooSmall(budget, base: base, routers: routers(), floorCost: RankAllocator.mandatoryCost(units) - routers(), floor: floor)
            }
            ranks = allocation.ranks
        }
        let planned = zip(layers, zip(ranks, gateRanks)).map { layer, kg in
            Layer(module: layer.module, k: kg.0, gateK: layer.tiedGate ? Swift.min(kg.0, Swift.min(layer.rows, layer.columns)) : kg.1, overheadParameters: layer.overhead(rank: kg.0, gateRank: kg.1), energyKept: layer.meanEnergyShare(rank: kg.0))
        }
        let overhead = planned.reduce(0) { $0 + $1.overheadParameters }
        let uniformPoints = uniformCurve(layers, gateRanks: gateRanks, maxRank: maxRank, clamped: !uniform)
        return RankBudgetPlan(
            budget: budget, objective: objectiveName, rankFloor: floor, uniformRank: uniform, baseParameters: base,
            overheadParameters: overhead, overhead: base > 0 ? Double(overhead) / Double(base) : 0,
            energyKept: meanShare(layers, ranks: ranks),
            uniformAtBudget: uniformPoints.last { $0.overhead <= budget }, layers: planned)
    }

    /// One allocation unit per layer: ranks floor…min(cap, update rank), gains the per-expert share steps.
    static func units(_ layers: [LayerSpectra], gateRanks: [Int], maxRank: Int?, floor: Int) -> [RankAllocator.Unit] {
        zip(layers, gateRanks).map { layer, g in
            let limit = Swift.max(1, Swift.min(maxRank ?? Int.max, layer.maxRank))
            return RankAllocator.Unit(stepCost: layer.stepCost, fixedCost: layer.fixedCost(gateRank: g), floor: floor, gains: layer.stepGains(limit: limit))
        }
    }

    /// Mean over (layer, expert) of the share kept at `ranks`.
    static func meanShare(_ layers: [LayerSpectra], ranks: [Int]) -> Double {
        let shares = zip(layers, ranks).flatMap { $0.energyShares(rank: $1) }
        return shares.isEmpty ? 1 : shares.reduce(0, +) / Double(shares.count)
    }

    /// Energy kept against overhead for k = 1, 2, … up to the largest useful k: per layer min(k, update
    /// rank) when `clamped`, else k for every layer.
    public static func uniformCurve(_ layers: [LayerSpectra], gateRanks: [Int], maxRank: Int?, clamped: Bool) -> [Point] {
        let base = Double(Swift.max(1, layers.reduce(0) { $0 + $1.baseParameters }))
        let largest = Swift.min(maxRank ?? Int.max, clamped ? (layers.map(\.maxRank).max() ?? 0) : (layers.map { Swift.min($0.rows, $0.columns) }.min() ?? 0))
        guard largest >= 1 else { return [] }
        return (1...largest).map { k in
            let ranks = layers.map { clamped ? Swift.max(1, Swift.min(k, $0.maxRank)) : k }
            let cost = zip(layers, zip(ranks, gateRanks)).reduce(0) { $0 + $1.0.overhead(rank: $1.1.0, gateRank: $1.1.1) }
            return Point(k: k, overhead: Double(cost) / base, energyKept: meanShare(layers, ranks: ranks))
        }
    }

    /// Energy kept against overhead for the per-layer allocation at every budget: the greedy order's
    /// prefixes (at most `points` of them, evenly spread, the last always included).
    public static func allocationCurve(_ layers: [LayerSpectra], gateRanks: [Int], maxRank: Int?, floor: Int, points: Int = 120) -> [Point] {
        let units = Self.units(layers, gateRanks: gateRanks, maxRank: maxRank, floor: floor)
        let base = Double(Swift.max(1, layers.reduce(0) { $0 + $1.baseParameters }))
        let count = Double(Swift.max(1, layers.reduce(0) { $0 + $1.expertCount }))
        var cost = RankAllocator.mandatoryCost(units)
        var value = zip(units, units.map(\.floor)).reduce(0) { $0 + $1.0.value(rank: $1.1) }
        let order = RankAllocator.order(units)
        let stride = Swift.max(1, order.count / Swift.max(1, points))
        var curve = [Point(k: nil, overhead: Double(cost) / base, energyKept: zeroUpdates(layers) + value / count)]
        for (index, step) in order.enumerated() {
            cost += units[step.unit].stepCost
            value += units[step.unit].gains[step.step]
            if (index + 1) % stride == 0 || index == order.count - 1 {
                curve.append(Point(k: nil, overhead: Double(cost) / base, energyKept: zeroUpdates(layers) + value / count))
            }
        }
        return curve
    }

    /// The share contributed by zero updates (counted as fully kept), over all (layer, expert).
    private static func zeroUpdates(_ layers: [LayerSpectra]) -> Double {
        let count = Double(Swift.max(1, layers.reduce(0) { $0 + $1.expertCount }))
        let zero = layers.reduce(0) { $0 + $1.singularValues.filter { $0.allSatisfy { $0 == 0 } }.count }
        return Double(zero) / count
    }

    private static func tooSmall(_ budget: Double, base: Int, routers: Int, floorCost: Int, floor: Int) -> UpscaleError {
        let b = Double(Swift.max(1, base))
        return .invalidOption("--budget \(budget) is below the routers' own cost: routers and expert biases need \(fraction(Double(routers) / b)) and rank-\(floor) experts \(fraction(Double(floorCost) / b)) of the \(base) base-layer parameters")
    }

    private static func fraction(_ x: Double) -> String { String(format: "%.4g", x) }
}
