/// Reading one layer or tensor of a family for ``SmileUpscaler``: only the tensors of that layer, of
/// every model, are in memory at once.
extension SmileUpscaler {
    /// A linear layer of the family ready to upscale: the pretrained layer, each model's update and bias.
    struct LayerInputs {
        var base: PlainLinear
        var updates: [WeightUpdate]
        var fineTunedBiases: [[Float]]?
    }

    /// A built layer with what the report needs about it.
    struct BuiltLayer {
        var layer: SmileLayer
        /// The decompositions the experts were cut from (of the residuals Rᵢ with a merged shared path).
        var decompositions: [UpdateDecomposition]
        /// The layer's shared-path coefficient, λ or c (0: W_pre).
        var coefficient: Double
        /// Routing on probes for the chosen and the default gate rank (nil without probes).
        var routing: LayerRouting?
    }

    /// Reads weight `name` (and `bias` when the base has it) from every model.
    ///
    /// A bias that is in the base but not in every fine-tune contributes Δbᵢ = 0 for all experts.
    func inputs(_ family: ModelFamily, weight name: String, bias: String?) throws -> LayerInputs {
        guard let weight = try family.baseTensor(name).matrix else { throw CheckpointError.notAMatrix(tensor: name, shape: family.matched.first { $0.name == name }?.shape ?? []) }
        let baseBias = try bias.map { try family.baseTensor($0).values }
        var fineTunedBiases: [[Float]]?
        if let bias, let baseBias {
            let matched = family.matched.contains { $0.name == bias }
            fineTunedBiases = try family.taskNames.indices.map { matched ? try family.fineTunedTensor(model: $0, bias).values : baseBias }
        }
        return LayerInputs(base: PlainLinear(weight: weight, bias: baseBias), updates: try family.updates(for: name), fineTunedBiases: fineTunedBiases)
    }

    /// A layer split by ``SmileUpscaleOptions/sharedPath``: the shared layer and residual updates
    /// (``SharedPath/split(base:updates:fineTunedBiases:coefficient:context:)``), their decompositions,
    /// the coefficient λ or c, and W_pre (the router's input model, ``SmileGate/balanced(weight:)``).
    struct SplitLayer {
        var inputs: LayerInputs
        /// Of the residuals Rᵢ (the experts are cut from them).
        var decompositions: [UpdateDecomposition]
        /// Of the updates ΔWᵢ themselves: the router and its probes read these (``SharedPath``).
        var routerDecompositions: [UpdateDecomposition]
        /// λ or c; 0: the shared path is W_pre and the experts hold ΔWᵢ.
        var coefficient: Double
        var pretrainedWeight: MatrixF
    }

    /// Decomposes the updates of `inputs` and, with a merged or Iso-C shared path, splits them (nil when
    /// every update is zero: the layer stays plain W_pre).
    func split(_ inputs: LayerInputs, context: String) throws -> SplitLayer? {
        let decompositions = try SmileLayer.decompose(inputs.updates, context: context)
        guard !decompositions.allSatisfy(\.isZero) else { return nil }
        let path = options.sharedPath
        let coefficient = path.coefficient(updates: inputs.updates, decompositions: decompositions)
        guard coefficient != 0 else {
            return SplitLayer(inputs: inputs, decompositions: decompositions, routerDecompositions: decompositions, coefficient: 0, pretrainedWeight: inputs.base.weight)
        }
        let (shared, residuals) = try path.split(base: inputs.base, updates: inputs.updates, fineTunedBiases: inputs.fineTunedBiases, coefficient: coefficient, context: context)
        let split = LayerInputs(base: shared, updates: residuals, fineTunedBiases: inputs.fineTunedBiases)
        return SplitLayer(inputs: split, decompositions: try SmileLayer.decompose(residuals, context: context), routerDecompositions: decompositions,
                          coefficient: coefficient, pretrainedWeight: inputs.base.weight)
    }

    /// The layer's ``SpectralFlatness`` φ when `--max-flatness` is given (nil otherwise, or for a zero sum).
    func flatness(_ inputs: LayerInputs, module: String) throws -> Double? {
        guard options.maxFlatness != nil else { return nil }
        return try SpectralFlatness.of(inputs.updates, context: module)
    }

    /// Whether `--max-flatness` leaves a layer of flatness `flatness` as its shared path alone (φ above the limit).
    func leavesShared(flatness: Double?) -> Bool {
        guard let limit = options.maxFlatness, let flatness else { return false }
        return flatness > limit
    }

    /// The layer's shared path alone as a plain linear: exactly what ``split(_:context:)`` puts in
    /// `pretrained_model` — W_pre + c·M, b_pre + c·mean Δbⱼ (Iso-C), W_pre + λΣΔWⱼ, b_pre + λΣΔbⱼ (merged,
    /// λ* computed as there), W_pre, b_pre (pretrained).
    func sharedPathAlone(_ inputs: LayerInputs, context: String) throws -> PlainLinear {
        let path = options.sharedPath
        let coefficient = try path.fixedCoefficient
            ?? path.coefficient(updates: inputs.updates, decompositions: SmileLayer.decompose(inputs.updates, context: context))
        return try path.split(base: inputs.base, updates: inputs.updates, fineTunedBiases: inputs.fineTunedBiases, coefficient: coefficient, context: context).shared
    }

    /// Builds the SMILE layer for `original` (module `module`, the `index`-th upscaled, which seeds its
    /// probes): k and gate rank from `plan` when it has them, else from the options (an auto gate rank
    /// searched here). Nil when every update is zero.
    func build(_ original: LayerInputs, module: String, plan: UpscalePlan, index: Int) throws -> BuiltLayer? {
        guard let split = try split(original, context: module) else { return nil }
        let (inputs, decompositions, router) = (split.inputs, split.decompositions, split.routerDecompositions)
        let measure = options.probeSamples > 0
        let rank = plan.uniformRank ?? plan.ranks[module] ?? options.expertRank.rank(for: decompositions)
        let probes = measure ? try probes(original, router, rank: options.probeRank ?? rank, index: index, context: module) : nil
        var gateRank = plan.uniformGateRank ?? plan.gateRanks[module] ?? options.gateRank
        var search = plan.searches[module]
        if let target = options.routingTarget, let probes, plan.uniformGateRank == nil, plan.gateRanks[module] == nil {
            (gateRank, search) = searchGateRank(probes, router, target: target)
        }
        if options.gateRankTiedToK { gateRank = rank }
        var layer = SmileLayer(
            base: inputs.base, decompositions: decompositions,
            biasDeltas: SmileLayer.biasDeltas(base: inputs.base, fineTunedBiases: inputs.fineTunedBiases),
            rank: rank, gateRank: gateRank, topK: options.topK)
        if split.coefficient != 0 { layer.gate = SmileGate(decompositions: router, gateRank: gateRank) }
        let beta = options.effectiveExpertScale
        if beta != 1 { layer.experts = layer.experts.map { $0.scaled(by: Float(beta)) } }
        if options.balancedRouter { layer.gate = layer.gate.balanced(weight: split.pretrainedWeight) }
        let routing = probes.map { LayerRouting($0, decompositions: router, gateK: layer.gate.gateRank, topK: options.topK, samples: options.probeSamples, search: search) }
        return BuiltLayer(layer: layer, decompositions: decompositions, coefficient: split.coefficient, routing: routing)
    }

    /// Builds the SMILE layer for the linear weight `name` of `family` (no output written): nil when every
    /// update is zero. The bias `X.bias` is used when the base has it.
    public func layer(_ family: ModelFamily, weight name: String) throws -> SmileLayer? {
        let resolved = options.resolved(kinds: family.modelKinds)
        guard resolved == options else { return try SmileUpscaler(options: resolved).layer(family, weight: name) }
        let bias = SmileStateDict.biasName(forWeight: name)
        return try build(inputs(family, weight: name, bias: family.base.info(bias) != nil ? bias : nil), module: SmileStateDict.moduleName(forWeight: name), plan: UpscalePlan(), index: 0)?.layer
    }

    /// The value written for a tensor outside the upscaled layers, and whether the policy chose it (false:
    /// copied from the base regardless — an integer tensor, or one some model lacks).
    func otherTensor(_ family: ModelFamily, _ name: String, model: Int?) throws -> (tensor: Tensor, followedPolicy: Bool) {
        guard let info = family.base.info(name) else { throw CheckpointError.tensorNotFound(file: family.base.displayPath, tensor: name) }
        let matched = family.matched.contains { $0.name == name }
        guard matched, Self.isFloatingPoint(info.dtype) else { return (try family.baseTensor(name), false) }
        switch options.others {
        case .base:
            return (try family.baseTensor(name), true)
        case .model:
            return (try family.fineTunedTensor(model: model!, name), true)
        case .average:
            // Σ in Double, so identical values average back to themselves exactly.
            var sum = [Double](repeating: 0, count: info.numel)
            for i in family.taskNames.indices {
                let values = try family.fineTunedTensor(model: i, name).values
                sum.withUnsafeMutableBufferPointer { total in
                    values.withUnsafeBufferPointer { v in
                        for j in 0..<v.count { total[j] += Double(v[j]) }
                    }
                }
            }
            let count = Double(family.taskNames.count)
            let mean = sum.withUnsafeBufferPointer { total in [Float](unsafeUninitializedCapacity: total.count) { out, initialized in
                for j in 0..<total.count { out[j] = Float(total[j] / count) }
                initialized = total.count
            } }
            return (Tensor(shape: info.shape, values: mean), true)
        }
    }

    /// The dtype a tensor is written in: its base dtype for F64/F32/F16/BF16 and integer or boolean types,
    /// F32 for the 8-bit floats (which cannot be written).
    static func outputType(_ dtype: DType) -> DType {
        switch dtype {
        case .f8E4M3, .f8E5M2: return .f32
        default: return dtype
        }
    }

    /// F64, F32, F16, BF16 and the 8-bit floats.
    static func isFloatingPoint(_ dtype: DType) -> Bool {
        switch dtype {
        case .f64, .f32, .f16, .bf16, .f8E4M3, .f8E5M2: return true
        case .i64, .i32, .i16, .i8, .u8, .bool: return false
        }
    }
}
