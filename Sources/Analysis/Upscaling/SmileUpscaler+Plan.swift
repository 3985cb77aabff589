import Foundation

/// What ``SmileUpscaler`` decides for the whole model before writing anything: the ranks a budget or
/// a one-rank layout needs, and gate ranks an auto search chose where they enter the cost.
///
/// ``UpscaleLayout/fusionBenchHF`` gets one k and one gate rank for the model (``uniformRank``,
/// ``uniformGateRank``). ``UpscaleLayout/hf`` gets them too without `--budget` and `--gate-k auto` (the
/// same output as before per-module ranks); with a budget its k and gate ranks are planned per layer
/// exactly as for ``UpscaleLayout/smileMoELinear``, and with `--gate-k auto` alone k is the one `--k` and
/// each layer keeps the gate rank its search chose.
public struct UpscalePlan: Sendable, Equatable {
    /// k per module (empty: each layer's own rule).
    public var ranks: [String: Int] = [:]
    /// g per module chosen by `--gate-k auto` in the planning pass (empty: chosen while writing).
    public var gateRanks: [String: Int] = [:]
    /// The auto searches done in the planning pass.
    public var searches: [String: LayerRouting.Search] = [:]
    /// The budget plan, with `--budget`.
    public var budget: RankBudgetPlan?
    /// One k for the model (whole-model layouts without a per-layer plan, see above).
    public var uniformRank: Int?
    /// One gate rank for the model (whole-model layouts without a per-layer plan, see above).
    public var uniformGateRank: Int?
    /// ``SpectralFlatness`` φ per module computed in the planning pass with `--max-flatness` (empty:
    /// computed while writing), so that the summed update is decomposed for it once.
    public var flatness: [String: Double] = [:]
}

extension SmileUpscaler {
    /// The probe rank p of a layer: the option, else the k the layer gets without a budget, at most
    /// FusionBench's default k 128 (a budget without --k leaves k uncapped, and probes spread over every
    /// update direction would ask the router to separate noise).
    func probeRank(_ decompositions: [UpdateDecomposition]) -> Int {
        options.probeRank ?? Swift.min(ExpertRankRule.fusionBenchDefault.requestedRank ?? 128, options.expertRank.rank(for: decompositions))
    }

    /// The probes of one layer, of rank `rank` (default ``probeRank(_:)``), seeded by its position among
    /// the upscaled layers. When the layer is built its k is known and is the default p (`--probe-rank`
    /// overrides); the budget's planning pass searches before k is chosen and uses ``probeRank(_:)``.
    func probes(_ inputs: LayerInputs, _ decompositions: [UpdateDecomposition], rank: Int? = nil, index: Int, context: String) throws -> RoutingProbes {
        try RoutingProbes(weight: inputs.base.weight, decompositions: decompositions, rank: rank ?? probeRank(decompositions), samples: options.probeSamples,
                          seed: options.seed &+ UInt64(index), neutral: true, context: context)
    }

    /// The `--gate-k auto` choice for one layer: searched up to min(p, m, n).
    func searchGateRank(_ probes: RoutingProbes, _ decompositions: [UpdateDecomposition], target: Double) -> (gateK: Int, search: LayerRouting.Search) {
        LayerRouting.search(probes, decompositions: decompositions, limit: Swift.max(1, probes.probeRanks.max() ?? 1), topK: options.topK, target: target)
    }

    /// Refuses, before anything is read in bulk, ranks the shapes cannot hold: a fixed gate rank above
    /// min(m, n) of a selected layer, and for ``UpscaleLayout/fusionBenchHF`` a fixed k above it.
    func checkRanksFit(_ family: ModelFamily, selected: [String]) throws {
        let shapes = Dictionary(family.matched.map { ($0.name, $0.shape) }, uniquingKeysWith: { a, _ in a })
        for name in selected.sorted() {
            guard let shape = shapes[name], shape.count == 2 else { continue }
            let limit = Swift.min(shape[0], shape[1])
            if options.routingTarget == nil, !options.gateRankTiedToK, options.gateRank > limit {
                throw UpscaleError.invalidOption("--gate-k \(options.gateRank) is larger than \(name) allows (\(shape[0])×\(shape[1]): at most \(limit))")
            }
            if options.layout.isWholeModel, options.budget == nil, case let .fixed(k) = options.expertRank, k > limit {
                throw UpscaleError.invalidOption("--k \(k) is larger than \(name) allows (\(shape[0])×\(shape[1]): rank_of_expert at most \(limit)); pass a smaller --k or a --budget")
            }
        }
    }

    /// The planning pass (only when a budget, or a whole-model layout with an auto gate, needs the whole model).
    func plan(_ family: ModelFamily, selected: [String: String?], progress: (@Sendable (FamilyAnalyzer.Progress) -> Void)?) throws -> UpscalePlan {
        let hf = options.layout.isWholeModel, oneRank = options.layout.hasOneRank
        // One k for every layer (zero-update layers included, as they are written at that k).
        let uniformK = oneRank || (hf && options.budget == nil)
        var plan = UpscalePlan()
        if hf, options.budget == nil, options.routingTarget == nil {
            plan.uniformRank = options.expertRank.requestedRank ?? 128
            plan.uniformGateRank = options.gateRankTiedToK ? plan.uniformRank : options.gateRank
            return plan
        }
        guard options.budget != nil || hf else { return plan }
        let names = family.base.tensors.map(\.name).filter { selected[$0] != nil }
        var spectra = [LayerSpectra](), updateSpectra = [LayerSpectra](), gates = [Int]()
        for (index, name) in names.enumerated() {
            progress?(FamilyAnalyzer.Progress(done: index, total: names.count, current: "planning \(name)"))
            let original = try inputs(family, weight: name, bias: selected[name]!)
            let module = SmileStateDict.moduleName(forWeight: name)
            let phi = try flatness(original, module: name)
            plan.flatness[module] = phi
            // A layer left as its shared path has no experts and no router: the budget does not count it.
            if leavesShared(flatness: phi) { continue }
            let split = try split(original, context: name)
            if split == nil && !uniformK { continue }
            let zero = split == nil
            let inputs = split?.inputs ?? original
            let decompositions = try split?.decompositions ?? SmileLayer.decompose(original.updates, context: name)
            let router = split?.routerDecompositions ?? decompositions
            var g = options.gateRank
            if let target = options.routingTarget, !zero {
                let found = searchGateRank(try probes(original, router, index: spectra.count, context: name), router, target: target)
                g = found.gateK
                plan.gateRanks[module] = g
                plan.searches[module] = found.search
            }
            gates.append(g)
            // The residuals' spectra (what the experts keep) and the updates' (the router's decompositions).
            spectra.append(LayerSpectra(module: module, bias: inputs.base.bias != nil, decompositions: decompositions, tiedGate: options.gateRankTiedToK))
            updateSpectra.append(LayerSpectra(module: module, bias: inputs.base.bias != nil, decompositions: router, tiedGate: options.gateRankTiedToK))
        }
        if oneRank {
            let fits = spectra.map { Swift.min($0.rows, $0.columns) }.min() ?? 1
            let g = options.routingTarget == nil ? options.gateRank : Swift.min(fits, plan.gateRanks.values.max() ?? 1)
            plan.uniformGateRank = g
            gates = gates.map { _ in g }
        }
        if let budget = options.budget {
            let cap = options.expertRank.requestedRank.flatMap { $0 == Int.max ? nil : $0 }
            let allocation = options.budgetAllocation
            var planned = try RankBudgetPlan.plan(allocation == .updates ? updateSpectra : spectra, gateRanks: gates, budget: budget, maxRank: cap,
                                                  floor: options.rankFloor, uniform: oneRank, clampedUniform: allocation == .uniform)
            planned.allocation = allocation
            planned.energyKeptOfResiduals = planned.energyKept(of: spectra)
            planned.energyKeptOfUpdates = planned.energyKept(of: updateSpectra)
            plan.budget = planned
            for layer in planned.layers { plan.ranks[layer.module] = layer.k }
            if oneRank { plan.uniformRank = planned.layers.first?.k }
            if oneRank, options.gateRankTiedToK { plan.uniformGateRank = plan.uniformRank }
        } else if hf {
            let k = options.expertRank.requestedRank ?? 128
            let limit = spectra.map { Swift.min($0.rows, $0.columns) }.min() ?? k
            guard k <= limit else { throw UpscaleError.invalidOption("--k \(k) is larger than the smallest projection allows (rank_of_expert at most \(limit))") }
            plan.uniformRank = k
            if options.gateRankTiedToK { plan.uniformGateRank = k }
        }
        return plan
    }
}
