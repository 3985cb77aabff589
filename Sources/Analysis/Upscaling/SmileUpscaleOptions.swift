/// The settings of ``SmileUpscaler``; defaults follow FusionBench's SMILE (`k` 128, `gate_k` 1, `top_k` 1).
public struct SmileUpscaleOptions: Sendable, Equatable {
    /// How many triplets each expert keeps (``ExpertRankRule``).
    public var expertRank: ExpertRankRule
    /// g = gate_k: right singular vectors per expert in the router (with ``routingTarget``, the search's
    /// upper limit is min(p, m, n) instead; with ``gateRankTiedToK``, ignored).
    public var gateRank: Int
    /// `--gate-k k`: every layer's router rank is its expert rank k, so the router reads exactly the
    /// subspace each expert acts on (a budget then prices a rank at E·(m + 2n)).
    public var gateRankTiedToK: Bool
    /// `--gate-k auto`: per layer the smallest gate rank whose mean routing accuracy on task probes
    /// reaches this target (``LayerRouting``); nil: ``gateRank`` everywhere.
    public var routingTarget: Double?
    /// `--budget F`: the experts' and routers' parameters are at most F × the upscaled layers' base
    /// parameters, ranks chosen by ``RankBudgetPlan`` (``expertRank``'s k is then the cap); nil: no budget.
    public var budget: Double?
    /// The least k of every layer under a budget.
    public var rankFloor: Int
    /// `--budget-on`: which spectra the budget water-fills over, or one k (``BudgetAllocation``).
    public var budgetAllocation: BudgetAllocation
    /// The tensor layout written.
    public var layout: UpscaleLayout
    /// top_k: experts each input is sent to.
    public var topK: Int
    /// Upscale only linear weights whose name matches this regular expression (nil: all). Tensors not
    /// upscaled are still written, following ``others``.
    public var include: String?
    /// Leave out linear weights whose name matches this regular expression.
    public var exclude: String?
    /// Where the tensors outside upscaled layers come from.
    public var others: OtherTensorPolicy
    /// Shards are cut so each holds at most this many bytes of tensor data (a bigger tensor gets a shard
    /// of its own); one `model.safetensors` when everything fits.
    public var maxShardBytes: Int
    /// Replace an existing output directory (atomically) instead of refusing. Only an empty directory or
    /// a previous output (holding `smile_config.json`) is replaced, never an input of the family.
    public var replaceExisting: Bool
    /// Routing-accuracy probes per expert and layer (0: no measurement).
    public var probeSamples: Int
    /// Probe subspace rank (nil: each expert's k); see ``RoutingAccuracy``.
    public var probeRank: Int?
    /// Seed of the probes.
    public var seed: UInt64
    /// What the shared path carries (``SharedPath``); FusionBench: ``SharedPath/pretrained``.
    public var sharedPath: SharedPath
    /// β: every expert's output is multiplied by β (folded into its u and bias), y = W_shared x + b_shared +
    /// β Σ pᵢ expertᵢ(x). nil: ``defaultExpertScale(for:)`` of ``sharedPath`` (½ with Iso-C or TSV-M, else 1).
    public var expertScale: Double?
    /// Scale each expert's router block so experts get the same typical logit on inputs shaped like the
    /// pretrained weight's (``SmileGate/balanced(weight:)``); FusionBench: false.
    public var balancedRouter: Bool
    /// `--max-flatness F`: upscale only the layers whose summed update has ``SpectralFlatness`` φ ≤ F; every
    /// other layer is written as a plain linear holding its shared path alone (W_pre + c·M and b_pre +
    /// c·mean Δb with Iso-C, the merge with `merged`, W_pre with `pretrained`; no router, no experts) and is
    /// left out of the budget. nil: every layer with a nonzero update is upscaled.
    public var maxFlatness: Double? = nil
    /// `--routing`: per token (FusionBench's SMILE, the default) or per sequence with evidence accumulated
    /// through the forward pass (``RoutingGranularity``; ``UpscaleLayout/hf`` encoders only, top_k 1).
    public var routing: RoutingGranularity = .token

    public init(
        expertRank: ExpertRankRule = .fusionBenchDefault, gateRank: Int = 1, topK: Int = 1, include: String? = nil,
        exclude: String? = nil, others: OtherTensorPolicy = .average, maxShardBytes: Int = 2_000_000_000,
        replaceExisting: Bool = false, probeSamples: Int = 32, probeRank: Int? = nil, seed: UInt64 = 20_240_810,
        routingTarget: Double? = nil, budget: Double? = nil, rankFloor: Int = 1, layout: UpscaleLayout = .smileMoELinear,
        sharedPath: SharedPath = .pretrained, balancedRouter: Bool = false, gateRankTiedToK: Bool = false, expertScale: Double? = nil,
        budgetAllocation: BudgetAllocation = .measuredDefault
    ) {
        self.budgetAllocation = budgetAllocation
        self.expertScale = expertScale
        self.gateRankTiedToK = gateRankTiedToK
        self.sharedPath = sharedPath
        self.balancedRouter = balancedRouter
        self.expertRank = expertRank
        self.gateRank = gateRank
        self.routingTarget = routingTarget
        self.budget = budget
        self.rankFloor = rankFloor
        self.layout = layout
        self.topK = topK
        self.include = include
        self.exclude = exclude
        self.others = others
        self.maxShardBytes = maxShardBytes
        self.replaceExisting = replaceExisting
        self.probeSamples = probeSamples
        self.probeRank = probeRank
        self.seed = seed
    }

    /// The command's defaults, chosen by measurement on the realtasks family (`benchmarks/realtasks-smile.md`):
    /// the Iso-C shared path at Iso-C's default c with β ½ for every family (full fine-tunes, c 3: 0.993
    /// normalized at `--budget 0.5` against 0.977 for the merged path; LoRA adapters only, c 1: 0.956
    /// against 0.916 for FusionBench's pretrained path; every task better in both); the router rank tied
    /// to k with any full (dense) fine-tune, gate_k 1 with LoRA adapters only.
    public static func measuredDefaults(kinds: [ModelKind]) -> (sharedPath: SharedPath, gateRankTiedToK: Bool) {
        (SharedPath.isoC(coefficient: nil).resolved(kinds: kinds), !kinds.allLoRA)
    }

    /// β when none is given: ½ with an Iso-C or TSV-M shared path (the measured best, above), 1 otherwise,
    /// so the pretrained and merged paths write what they always did.
    public static func defaultExpertScale(for sharedPath: SharedPath) -> Double {
        sharedPath.mergeMethod == nil ? 1 : 0.5
    }

    /// These options for a family whose models are `kinds`: Iso-C's coefficient and β filled in.
    public func resolved(kinds: [ModelKind]) -> SmileUpscaleOptions {
        var options = self
        options.sharedPath = sharedPath.resolved(kinds: kinds)
        options.expertScale = effectiveExpertScale
        return options
    }

    /// β in effect (``expertScale`` or its default).
    public var effectiveExpertScale: Double { expertScale ?? Self.defaultExpertScale(for: sharedPath) }

    /// Checks ranges that do not depend on the family. Throws ``UpscaleError/invalidOption(_:)``.
    public func validate(expertCount: Int) throws {
        func fail(_ reason: String) -> UpscaleError { .invalidOption(reason) }
        switch expertRank {
        case let .fixed(k): guard k >= 1 else { throw fail("k must be at least 1, got \(k)") }
        case let .energy(f, maximum):
            guard f > 0, f <= 1 else { throw fail("the energy fraction must be in (0, 1], got \(f)") }
            if let maximum, maximum < 1 { throw fail("k must be at least 1, got \(maximum)") }
        }
        guard gateRank >= 1 else { throw fail("gate_k must be at least 1, got \(gateRank)") }
        guard topK >= 1, topK <= expertCount else { throw fail("top_k must be in 1…\(expertCount) (the number of models), got \(topK)") }
        guard maxShardBytes >= 1 else { throw fail("the maximum shard size must be positive, got \(maxShardBytes)") }
        guard probeSamples >= 0 else { throw fail("probe samples must not be negative, got \(probeSamples)") }
        if let probeRank, probeRank < 1 { throw fail("probe rank must be at least 1, got \(probeRank)") }
        if let routingTarget, !(routingTarget > 0 && routingTarget <= 1) { throw fail("the routing target must be in (0, 1], got \(routingTarget)") }
        if routingTarget != nil, probeSamples == 0 { throw fail("--gate-k auto needs probe inputs; --probe-samples must be positive") }
        if let budget, !(budget >= 0 && budget.isFinite) { throw fail("the budget must be a non-negative fraction of the base layers' parameters, got \(budget)") }
        guard rankFloor >= 1 else { throw fail("the rank floor must be at least 1, got \(rankFloor)") }
        if budget != nil, case .energy = expertRank { throw fail("--budget and --rank-for-energy both choose k; pass one of them") }
        if let expertScale, !expertScale.isFinite { throw fail("the expert scale must be a finite number, got \(expertScale)") }
        if gateRankTiedToK, routingTarget != nil { throw fail("the gate rank is either tied to k or searched (auto), not both") }
        if let maxFlatness, !(maxFlatness > 0 && maxFlatness <= 1) { throw fail("the maximum flatness must be in (0, 1], got \(maxFlatness)") }
        if routing == .sequence, layout != .hf {
            throw fail("--routing sequence needs --layout hf (its modeling file routes whole sequences); --layout \(layout.rawValue) loads into FusionBench's SmileMoELinear, which routes per token")
        }
        if routing == .sequence, topK != 1 { throw fail("--routing sequence sends each sequence to one expert (weight 1); --top-k must be 1, got \(topK)") }
    }
}
