/// Building a ``SmileLayer`` from a pretrained layer and its fine-tunes, as FusionBench's
/// `SmileMoELinear.__init__` does (`fusion_bench/models/smile_moe/linear_from_module.py`, with
/// `routing_use_diff=True`, the default): every piece comes from the SVDs of the updates ΔWᵢ = Wᵢ − W_pre.
extension SmileLayer {
    /// Upscales one layer: decomposes each update, picks k by `rule`, and builds the gate and experts.
    ///
    /// - Parameters:
    ///   - base: W_pre and b_pre.
    ///   - updates: ΔWᵢ per task, in expert order (dense or LoRA factors; no m×n matrix is formed for LoRA).
    ///   - fineTunedBiases: bᵢ per task when the base has a bias (ignored otherwise).
    ///   - context: names the layer in errors.
    /// - Returns: nil when every update is zero (FusionBench's `ExpertNotTrainedError`: the layer stays a
    ///   plain linear layer).
    /// - Throws: ``LinearAlgebraError`` for NaN/Inf updates or an SVD that does not converge.
    public static func upscaling(
        base: PlainLinear, updates: [WeightUpdate], fineTunedBiases: [[Float]]?, rank rule: ExpertRankRule,
        gateRank: Int, topK: Int, context: String
    ) throws -> SmileLayer? {
        let decompositions = try decompose(updates, context: context)
        guard !decompositions.allSatisfy(\.isZero) else { return nil }
        return SmileLayer(
            base: base, decompositions: decompositions, biasDeltas: biasDeltas(base: base, fineTunedBiases: fineTunedBiases),
            rank: rule.rank(for: decompositions), gateRank: gateRank, topK: topK)
    }

    /// One ``UpdateDecomposition`` per update, errors naming the layer and the model.
    static func decompose(_ updates: [WeightUpdate], context: String) throws -> [UpdateDecomposition] {
        try updates.enumerated().map { try UpdateDecomposition($1, context: "\(context) (model \($0))") }
    }

    /// Δbᵢ = bᵢ − b_pre when the base has a bias (FusionBench subtracts the pretrained bias from each
    /// expert's); nil otherwise, as FusionBench registers no expert bias then.
    static func biasDeltas(base: PlainLinear, fineTunedBiases: [[Float]]?) -> [[Float]]? {
        base.bias.map { b in (fineTunedBiases ?? []).map { zip($0, b).map { $0 - $1 } } }
    }

    /// The layer from already decomposed updates, every expert keeping `rank` triplets.
    ///
    ///     gate.weights = [V_{1,:g}ᵀ; …; V_{E,:g}ᵀ],  g = min(gateRank, min(m, n))
    ///     expertᵢ      = (U_{i,:k}, diag(S_{i,:k}) V_{i,:k}ᵀ, bᵢ − b_pre)
    ///
    /// (the gate as ``SmileGate/init(decompositions:gateRank:)`` builds it).
    ///
    /// Preconditions: one decomposition per expert, all of the base's shape; `biasDeltas` present (one
    /// vector per expert) exactly when the base has a bias; rank, gateRank ≥ 1; 1 ≤ topK ≤ E.
    public init(base: PlainLinear, decompositions: [UpdateDecomposition], biasDeltas: [[Float]]?, rank: Int, gateRank: Int, topK: Int) {
        precondition(rank >= 1 && gateRank >= 1, "rank and gate rank must be at least 1")
        precondition(decompositions.allSatisfy { $0.rows == base.outFeatures && $0.columns == base.inFeatures }, "update shapes differ from the base")
        precondition((base.bias == nil) == (biasDeltas == nil) && (biasDeltas.map { $0.count == decompositions.count } ?? true), "bias deltas must match the base bias and the experts")
        let experts = decompositions.enumerated().map { e, d in
            SmileExpert(decomposition: d.svd, rank: rank, biasDelta: biasDeltas?[e])
        }
        self.init(pretrained: base, gate: SmileGate(decompositions: decompositions, gateRank: gateRank), experts: experts, topK: topK)
    }
}
