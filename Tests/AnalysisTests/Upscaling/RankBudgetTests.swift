import Foundation
import Testing
@testable import Analysis

/// `upscale --budget`: the greedy allocator against an independent numpy implementation
/// (`reference/smile_budget_reference.py`) and its invariants.
@Suite struct RankBudgetTests {
    struct Reference: Decodable {
        struct Layer: Decodable {
            var module: String
            var m: Int
            var n: Int
            var g: Int
            var bias: Bool
            var sigmas: [[Double]]
            var max_rank: Int
            /// `--budget-on` cases: the task's own update spectrum per expert beside the residual's.
            var update_sigmas: [[Double]]?
            var update_max_rank: Int?
            func spectra(tied: Bool) -> LayerSpectra {
                LayerSpectra(module: module, rows: m, columns: n, hasBias: bias, singularValues: sigmas, maxRank: max_rank, tiedGate: tied)
            }
            func updateSpectra(tied: Bool) -> LayerSpectra {
                LayerSpectra(module: module, rows: m, columns: n, hasBias: bias, singularValues: update_sigmas ?? [], maxRank: update_max_rank ?? 0, tiedGate: tied)
            }
        }
        /// One `--budget-on updates|uniform` case.
        struct Allocation: Decodable {
            var name: String
            var layers: [Layer]
            var budget: Double
            var floor: Int
            var cap: Int?
            var tied: Bool
            var allocation: String
            var refused: Bool
            var ranks: [Int]?
            var overhead_parameters: Int?
            var energy_kept_residuals: Double?
            var energy_kept_updates: Double?
        }
        struct Uniform: Decodable {
            var k: Int
            var cost: Int
            var energy_kept: Double
        }
        struct Case: Decodable {
            var name: String
            var layers: [Layer]
            var budget: Double
            var floor: Int
            var cap: Int?
            /// `--gate-k k`: the router's rank is k.
            var tied: Bool?
            var base_parameters: Int
            var refused: Bool
            var ranks: [Int]?
            var overhead_parameters: Int?
            var energy_kept: Double?
            var uniform: Uniform?
        }
        var cases: [Case]
        var allocations: [Allocation]
    }

    @Test func matchesTheNumpyReference() throws {
        let data = try Data(contentsOf: Fixtures.url("upscale/budget_allocation_reference.json"))
        let reference = try JSONDecoder().decode(Reference.self, from: data)
        #expect(reference.cases.count == 66)
        #expect(reference.cases.filter { $0.tied == true }.count == 18)
        var planned = 0
        for c in reference.cases {
            let tied = c.tied ?? false
            let layers = c.layers.map { $0.spectra(tied: tied) }
            let gates = c.layers.map(\.g)
            guard !c.refused else {
                #expect(throws: UpscaleError.self, "\(c.name)") { try RankBudgetPlan.plan(layers, gateRanks: gates, budget: c.budget, maxRank: c.cap, floor: c.floor, uniform: false) }
                continue
            }
            let plan = try RankBudgetPlan.plan(layers, gateRanks: gates, budget: c.budget, maxRank: c.cap, floor: c.floor, uniform: false)
            planned += 1
            #expect(plan.layers.map(\.k) == c.ranks, "\(c.name)")
            if tied { #expect(plan.layers.allSatisfy { $0.gateK == $0.k }, "\(c.name)") }
            #expect(plan.overheadParameters == c.overhead_parameters, "\(c.name)")
            #expect(plan.baseParameters == c.base_parameters, "\(c.name)")
            #expect(abs(plan.energyKept - (c.energy_kept ?? -1)) < 1e-12, "\(c.name)")
            if c.cap == nil { #expect(plan.uniformAtBudget?.k == c.uniform?.k, "\(c.name)") }
            if let u = c.uniform, let mine = plan.uniformAtBudget {
                #expect(abs(mine.energyKept - u.energy_kept) < 1e-12, "\(c.name)")
                #expect(abs(mine.overhead - Double(u.cost) / Double(c.base_parameters)) < 1e-12, "\(c.name)")
            }
        }
        #expect(planned >= 45)
    }

    /// `--budget-on updates` (water-filling on each task's own update spectrum) and `--budget-on uniform`
    /// (one k, clamped per layer) against the numpy reference: ranks, cost, and the energy kept of both
    /// the residuals and the updates at those ranks; plus the invariants (cost ≤ budget, ranks within
    /// floor…min(cap, rank of what was allocated on), monotone in the budget).
    @Test func budgetOnUpdatesAndUniformMatchTheNumpyReference() throws {
        let data = try Data(contentsOf: Fixtures.url("upscale/budget_allocation_reference.json"))
        let reference = try JSONDecoder().decode(Reference.self, from: data)
        #expect(reference.allocations.count == 144)
        #expect(reference.allocations.filter { !$0.refused }.count >= 90)
        var previous = [String: [Int]]()
        for c in reference.allocations {
            let residuals = c.layers.map { $0.spectra(tied: c.tied) }
            let updates = c.layers.map { $0.updateSpectra(tied: c.tied) }
            let gates = c.layers.map(\.g)
            let onUpdates = c.allocation == "updates"
            let plan = { try RankBudgetPlan.plan(onUpdates ? updates : residuals, gateRanks: gates, budget: c.budget, maxRank: c.cap, floor: c.floor, uniform: false, clampedUniform: !onUpdates) }
            guard !c.refused else {
                #expect(throws: UpscaleError.self, "\(c.name)") { try plan() }
                continue
            }
            let planned = try plan()
            let ranks = planned.layers.map(\.k)
            #expect(ranks == c.ranks, "\(c.name)")
            #expect(planned.overheadParameters == c.overhead_parameters, "\(c.name)")
            #expect(abs(planned.energyKept(of: residuals) - (c.energy_kept_residuals ?? -1)) < 1e-12, "\(c.name)")
            #expect(abs(planned.energyKept(of: updates) - (c.energy_kept_updates ?? -1)) < 1e-12, "\(c.name)")
            #expect(Double(planned.overheadParameters) <= c.budget * Double(planned.baseParameters))
            let source = onUpdates ? updates : residuals
            for (layer, k) in zip(source, ranks) { #expect(k >= 1 && k <= Swift.max(1, Swift.min(c.cap ?? Int.max, layer.maxRank)), "\(c.name)") }
            if !onUpdates { #expect(Set(zip(source, ranks).filter { $0.1 < Swift.min(c.cap ?? Int.max, $0.0.maxRank) }.map(\.1)).count <= 1, "\(c.name): one k below the clamps") }
            let family = c.name.replacingOccurrences(of: "-b\(c.budget)", with: "")
            if let before = previous[family] { #expect(zip(before, ranks).allSatisfy { $0 <= $1 }, "\(c.name): a rank went down as the budget grew") }
            previous[family] = ranks
        }
    }

    /// Random concave units: gains sorted descending.
    static func units(seed: UInt64, count: Int, equalCost: Bool) -> [RankAllocator.Unit] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let steps = Int.random(in: 1...5, using: &rng)
            let gains = (0..<steps).map { _ in Double.random(in: 0...1, using: &rng) }.sorted(by: >)
            return RankAllocator.Unit(stepCost: equalCost ? 3 : Int.random(in: 1...7, using: &rng), fixedCost: Int.random(in: 0...4, using: &rng),
                                      floor: Int.random(in: 0...1, using: &rng), gains: gains)
        }
    }

    /// The best value over every rank vector (floor ≤ kᵤ ≤ steps) whose cost fits `budget`.
    static func bruteForce(_ units: [RankAllocator.Unit], budget: Int) -> Double? {
        var best: Double?
        func visit(_ u: Int, _ cost: Int, _ value: Double) {
            guard cost <= budget else { return }
            guard u < units.count else { best = Swift.max(best ?? -1, value); return }
            for k in units[u].floor...units[u].gains.count {
                visit(u + 1, cost + units[u].cost(rank: k), value + units[u].value(rank: k))
            }
        }
        visit(0, 0, 0)
        return best
    }

    @Test func respectsTheBudgetAndIsMonotone() {
        for seed in UInt64(1)...20 {
            let units = Self.units(seed: seed, count: 4, equalCost: false)
            var previous: RankAllocator.Allocation?
            for budget in 0...80 {
                guard let allocation = RankAllocator.allocate(units, budget: budget) else {
                    #expect(budget < RankAllocator.mandatoryCost(units))
                    #expect(previous == nil)
                    continue
                }
                #expect(allocation.cost <= budget)
                #expect(allocation.cost == zip(units, allocation.ranks).reduce(0) { $0 + $1.0.cost(rank: $1.1) })
                #expect(zip(units, allocation.ranks).allSatisfy { $1 >= $0.floor && $1 <= $0.gains.count })
                if let previous {
                    #expect(zip(previous.ranks, allocation.ranks).allSatisfy { $0 <= $1 }, "seed \(seed) budget \(budget): a rank went down")
                    #expect(allocation.value >= previous.value - 1e-12)
                }
                previous = allocation
            }
        }
    }

    @Test func isOptimalForConcaveGains() {
        for seed in UInt64(100)...130 {
            // Equal step costs: optimal for the budget itself.
            let equal = Self.units(seed: seed, count: 4, equalCost: true)
            for budget in stride(from: 0, through: 70, by: 3) {
                let greedy = RankAllocator.allocate(equal, budget: budget)
                let best = Self.bruteForce(equal, budget: budget)
                #expect((greedy == nil) == (best == nil))
                if let greedy, let best { #expect(abs(greedy.value - best) < 1e-9, "seed \(seed) budget \(budget)") }
            }
            // Unequal costs: optimal for the cost it spent.
            let mixed = Self.units(seed: seed, count: 4, equalCost: false)
            for budget in stride(from: 0, through: 70, by: 5) {
                guard let greedy = RankAllocator.allocate(mixed, budget: budget) else { continue }
                let best = Self.bruteForce(mixed, budget: greedy.cost)!
                #expect(abs(greedy.value - best) < 1e-9, "seed \(seed) budget \(budget)")
            }
        }
    }

    @Test func refusesABudgetBelowTheRouters() throws {
        let layer = LayerSpectra(module: "x", rows: 10, columns: 20, hasBias: false, singularValues: [[3, 2, 1], [2, 1]], maxRank: 3)
        // Routers 2·4·20 = 160 and rank-1 experts 2·30 = 60 of 200 base parameters: 1.1.
        #expect(throws: UpscaleError.self) { try RankBudgetPlan.plan([layer], gateRanks: [4], budget: 1.09, maxRank: nil, floor: 1, uniform: false) }
        let plan = try RankBudgetPlan.plan([layer], gateRanks: [4], budget: 1.1, maxRank: nil, floor: 1, uniform: false)
        #expect(plan.layers.map(\.k) == [1])
        #expect(plan.overheadParameters == 220)
        do {
            _ = try RankBudgetPlan.plan([layer], gateRanks: [4], budget: 0.5, maxRank: nil, floor: 1, uniform: false)
        } catch {
            #expect("\(error)".contains("below the routers' own cost"))
        }
    }

    @Test func aUniformRankIsTheLargestThatFits() throws {
        // One k for the model, charged in full even beyond an update's rank (zero-padded experts).
        let a = LayerSpectra(module: "a", rows: 8, columns: 8, hasBias: false, singularValues: [[4, 3, 2, 1], [1]], maxRank: 4)
        let b = LayerSpectra(module: "b", rows: 8, columns: 16, hasBias: true, singularValues: [[5, 1], [2, 2]], maxRank: 2)
        let base = a.baseParameters + b.baseParameters
        #expect(throws: UpscaleError.self) { try RankBudgetPlan.plan([a, b], gateRanks: [1, 1], budget: 0.7, maxRank: nil, floor: 1, uniform: true) }
        var previous = 0
        for budget in [0.72, 1.5, 3.0, 6.0] {
            let plan = try RankBudgetPlan.plan([a, b], gateRanks: [1, 1], budget: budget, maxRank: nil, floor: 1, uniform: true)
            let k = plan.layers[0].k
            #expect(plan.layers.allSatisfy { $0.k == k })
            let cost = { (k: Int) in a.overhead(rank: k, gateRank: 1) + b.overhead(rank: k, gateRank: 1) }
            #expect(Double(cost(k)) <= budget * Double(base))
            #expect(k == 8 || Double(cost(k + 1)) > budget * Double(base))
            #expect(k > previous)
            previous = k
        }
        #expect(previous == 8)
        let capped = try RankBudgetPlan.plan([a, b], gateRanks: [1, 1], budget: 5, maxRank: 3, floor: 1, uniform: true)
        #expect(capped.layers.map(\.k) == [3, 3])
    }

    @Test func theAllocationCurveDominatesUniformK() {
        let layers = (0..<5).map { l in
            LayerSpectra(module: "l\(l)", rows: 32, columns: 24 + 8 * l, hasBias: false,
                         singularValues: (0..<3).map { e in (0..<24).map { j in pow(0.3 + 0.15 * Double(l + e), Double(j)) } }, maxRank: 24)
        }
        let gates = Array(repeating: 1, count: layers.count)
        let uniform = RankBudgetPlan.uniformCurve(layers, gateRanks: gates, maxRank: nil, clamped: true)
        let allocation = RankBudgetPlan.allocationCurve(layers, gateRanks: gates, maxRank: nil, floor: 1, points: 1000)
        #expect(uniform.count == 24)
        #expect(zip(allocation, allocation.dropFirst()).allSatisfy { $0.overhead <= $1.overhead && $0.energyKept <= $1.energyKept + 1e-12 })
        for point in uniform {
            // No uniform k lies above the allocation's frontier: the first prefix costing at least as much
            // keeps at least as much (the prefixes are the fractional optimum's breakpoints).
            let next = allocation.first { $0.overhead >= point.overhead - 1e-12 }
            #expect((next?.energyKept ?? 1) >= point.energyKept - 1e-9, "k \(point.k ?? 0)")
        }
    }
}
