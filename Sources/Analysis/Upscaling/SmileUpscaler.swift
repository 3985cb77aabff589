import Foundation

/// Upscales a ``ModelFamily`` into a SMILE mixture of experts (Tang et al., "SMILE: Zero-Shot Sparse
/// Mixture of Low-Rank Experts Construction From Pre-Trained Foundation Models"), written in the state-dict
/// layout of FusionBench's `SmileMoELinear` (see ``SmileStateDict``).
///
/// Every selected linear weight W (2-D `….weight`, not an embedding, matching ``SmileUpscaleOptions/include``)
/// becomes a ``SmileLayer`` built from the updates ΔWᵢ = Wᵢ − W_pre:
///
///     y = W_pre x + b_pre + Σ_{i∈top-k} wᵢ(x) (U_{i,:k} diag(S_{i,:k}) V_{i,:k}ᵀ x + bᵢ − b_pre),
///     wᵢ(x) = renormalised top-k of softmaxᵢ ‖V_{i,:g}ᵀ x‖₂.
///
/// Layers whose updates are all zero stay plain (weight from the base); with
/// ``SmileUpscaleOptions/maxFlatness`` a layer whose summed update is flatter than the limit
/// (``SpectralFlatness``) is written as the plain linear of its shared path; every other tensor follows
/// ``OtherTensorPolicy``. The family is streamed one layer at a time; the output directory holds
/// `model.safetensors` (or shards and an index), `smile_config.json` (``SmileConfig``) and `README.md`, and
/// appears atomically (``StagedDirectory``): a failure leaves nothing behind.
public struct SmileUpscaler: Sendable {
    /// The settings.
    public var options: SmileUpscaleOptions

    public init(options: SmileUpscaleOptions = SmileUpscaleOptions()) {
        self.options = options
    }

    /// Upscales `family` into `directory`, reporting progress per tensor.
    ///
    /// - Throws: ``UpscaleError`` (options, existing output, writing), ``CheckpointError`` (reading),
    ///   ``FamilyAnalyzerError`` (a bad pattern), ``LinearAlgebraError`` (NaN/Inf weights, SVD failure).
    ///
    /// With a budget or a whole-model layout (``UpscaleLayout/isWholeModel``) a planning pass reads every layer once first
    /// (``UpscalePlan``); `onPlan` receives the plan before anything is written. The output directory is
    /// checked (exists without replacement, parent missing) before any weight is read.
    public func upscale(
        _ family: ModelFamily, to directory: URL, progress: (@Sendable (FamilyAnalyzer.Progress) -> Void)? = nil,
        onPlan: ((UpscalePlan) -> Void)? = nil
    ) throws -> UpscaleReport {
        let resolved = options.resolved(kinds: family.modelKinds)
        guard resolved == options else { return try SmileUpscaler(options: resolved).upscale(family, to: directory, progress: progress, onPlan: onPlan) }
        try options.validate(expertCount: family.taskNames.count)
        let model = try policyModel(family)
        let hf = options.layout.isWholeModel ? try FusionBenchHFLayout(family: family, layout: options.layout) : nil
        if options.routing == .sequence, let hf, hf.transformers.isDecoder {
            throw UpscaleError.unfitLayout("--routing sequence routes encoders (model_type bert) only; model_type \(hf.modelType) is a decoder, which routes per token (sequence evidence for generation with a KV cache is not supported)")
        }
        if hf != nil, options.include != nil || options.exclude != nil {
            throw UpscaleError.invalidOption("--layout \(options.layout.rawValue) upscales exactly the projections of every layer its classes replace; --include/--exclude cannot be used with it")
        }
        let selected = try hf.map { layout in
            Dictionary(uniqueKeysWithValues: layout.modules.map { ($0 + ".weight", family.base.info($0 + ".bias") != nil ? $0 + ".bias" : nil) })
        } ?? selectedWeights(family)
        guard !selected.isEmpty else {
            let patterns = [options.include.map { "--include '\($0)'" }, options.exclude.map { "--exclude '\($0)'" }].compactMap { $0 }
            throw UpscaleError.noLinearLayers(reason: patterns.isEmpty
                ? "the base has no linear weights" : "no linear weight passes \(patterns.joined(separator: " and "))")
        }
        try checkRanksFit(family, selected: Array(selected.keys))
        try refuseOverwritingInputs(family, directory)
        // The output location is checked (and staged) before the planning pass reads any weight.
        let stage = try StagedDirectory(destination: directory, replace: options.replaceExisting, marker: SmileConfig.fileName)
        return try stage.fill { staging in
            let plan = try self.plan(family, selected: selected, progress: progress)
            onPlan?(plan)
            let config = try write(family, selected: selected, model: model, layout: hf, plan: plan, into: staging, progress: progress)
            return UpscaleReport(output: directory.relativePath, config: config)
        }
    }

    /// The output must not be, or contain, an input: with replacement it would be deleted.
    private func refuseOverwritingInputs(_ family: ModelFamily, _ directory: URL) throws {
        if let input = StagedDirectory.input(among: [family.basePath] + family.modelPaths, inside: directory) {
            throw UpscaleError.cannotWrite(path: directory.relativePath, reason: "it would replace the input \(input.relativePath)")
        }
    }

    /// The index of the model named by ``OtherTensorPolicy/model(_:)``.
    private func policyModel(_ family: ModelFamily) throws -> Int? {
        guard case let .model(name) = options.others else { return nil }
        guard let index = family.taskNames.firstIndex(of: name) else { throw UpscaleError.unknownModel(name: name, available: family.taskNames) }
        return index
    }

    /// Linear weights to upscale (name → its bias name when the base has one), after include/exclude.
    func selectedWeights(_ family: ModelFamily) throws -> [String: String?] {
        let selection = try TensorSelection(include: options.include, exclude: options.exclude)
        var selected = [String: String?]()
        for tensor in family.matched where tensor.isLinearWeight && selection.contains(tensor.name) {
            if family.isStoredTransposed(tensor.name) { throw UpscaleError.storedTransposed(weight: tensor.name, count: family.storedTransposed.count) }
            let bias = SmileStateDict.biasName(forWeight: tensor.name)
            selected.updateValue(family.base.info(bias) != nil ? bias : nil, forKey: tensor.name)
        }
        return selected
    }

    /// Streams every base tensor into `staging` and writes the config and README there.
    private func write(
        _ family: ModelFamily, selected: [String: String?], model: Int?, layout hf: FusionBenchHFLayout?, plan: UpscalePlan, into staging: URL,
        progress: (@Sendable (FamilyAnalyzer.Progress) -> Void)?
    ) throws -> SmileConfig {
        var output = ShardedSafetensorsOutput(directory: staging, maxShardBytes: options.maxShardBytes)
        let consumedBiases = Set(selected.values.compactMap { $0 })
        // Quantized weights are written dequantized, so their scales must not follow them.
        let names = family.base.tensors.map(\.name).filter { !QuantizedWeights.isQuantizationParameter($0) }
        var modules = [UpscaledLayer](), plain = [String](), fromBase = [String](), sharedOnly = [SharedOnlyLayer]()
        var policyCount = 0
        // Whole-model layouts: every SmileLinear's ranks as written, for config.json.
        var moduleRanks = [FusionBenchHFLayout.ModuleRanks]()
        let expertCount = family.taskNames.count
        func emitOther(_ name: String) throws {
            let (tensor, followed) = try otherTensor(family, name, model: model)
            if followed { policyCount += 1 } else { fromBase.append(name) }
            try output.add(name, tensor, dtype: Self.outputType(family.base.info(name)!.dtype))
        }
        // Whole-model layouts: a layer without experts is a SmileLinear holding `weights` with zero router and experts.
        func writeInert(_ weights: PlainLinear, module: String, dtype: DType) throws {
            let layer = FusionBenchHFLayout.inertLayer(base: weights, experts: expertCount, rank: plan.uniformRank ?? 1, gateRank: plan.uniformGateRank ?? 1, topK: options.topK)
            for (tensorName, tensor) in FusionBenchHFLayout.tensors(module: module, layer: layer) { try output.add(tensorName, tensor, dtype: dtype) }
            moduleRanks.append(FusionBenchHFLayout.ModuleRanks(module: module, layer: layer))
            modules.append(inertRecord(module: module, layer: layer, expertCount: expertCount))
        }
        for (index, name) in names.enumerated() {
            progress?(FamilyAnalyzer.Progress(done: index, total: names.count, current: name))
            if consumedBiases.contains(name) { continue }
            guard let bias = selected[name] else {
                try emitOther(name)
                continue
            }
            let dtype = Self.outputType(family.base.info(name)!.dtype)
            let inputs = try inputs(family, weight: name, bias: bias)
            let module = SmileStateDict.moduleName(forWeight: name)
            let flatness = try plan.flatness[module] ?? flatness(inputs, module: module)
            if let flatness, leavesShared(flatness: flatness) {
                let shared = try sharedPathAlone(inputs, context: module)
                sharedOnly.append(SharedOnlyLayer(module: module, flatness: flatness, reason: String(
                    format: "flatness %.4f > --max-flatness %g: its updates are spread flat, so routing is predicted poor; the shared path alone", flatness, options.maxFlatness!)))
                if hf != nil {
                    try writeInert(shared, module: module, dtype: dtype)
                    continue
                }
                try output.add(name, Tensor(shared.weight), dtype: dtype)
                if let bias, let values = shared.bias {
                    try output.add(bias, Tensor(shape: [values.count], values: values), dtype: Self.outputType(family.base.info(bias)!.dtype))
                }
                continue
            }
            guard let built = try build(inputs, module: module, plan: plan, index: modules.count) else {
                if hf != nil {
                    plain.append(module)
                    try writeInert(inputs.base, module: module, dtype: dtype)
                    continue
                }
                plain.append(module)
                try output.add(name, Tensor(inputs.base.weight), dtype: dtype)
                if let bias { try emitOther(bias) }
                continue
            }
            let tensors = hf != nil ? FusionBenchHFLayout.tensors(module: module, layer: built.layer) : SmileStateDict.tensors(module: module, layer: built.layer)
            for (tensorName, tensor) in tensors {
                try output.add(tensorName, tensor, dtype: dtype)
            }
            if hf != nil { moduleRanks.append(FusionBenchHFLayout.ModuleRanks(module: module, layer: built.layer)) }
            var entry = record(module: module, built: built, expertCount: expertCount, seed: options.seed &+ UInt64(modules.count))
            entry.flatness = flatness
            modules.append(entry)
        }
        progress?(FamilyAnalyzer.Progress(done: names.count, total: names.count, current: ""))
        let files = try output.finish()
        let baseParameters = family.base.parameterCount
        var sideFiles = [String]()
        if let hf {
            try AtomicFile.write(data: hf.config(experts: expertCount, topK: options.topK, ranks: moduleRanks, routing: options.routing),
                                 to: staging.appendingPathComponent("config.json"))
            sideFiles = try ["config.json"] + hf.writeModelingCode(into: staging) + hf.copySideFiles(into: staging)
        }
        var config = SmileConfig(
            format: hf == nil ? SmileConfig.formatName : options.layout.rawValue, formatVersion: 1,
            stateDict: hf.map { "{module}.gate.weight, {module}.shared_linear.weight, {module}.shared_linear.bias, {module}.experts.{i}.u, {module}.experts.{i}.svh, {module}.experts.{i}.bias (\(options.layout == .hf ? "" : "FusionBench ")\($0.architecture), SmileLinear)" }
                ?? "{module}.gate.weights, {module}.experts.{i}.u, {module}.experts.{i}.svh, {module}.experts.{i}.bias, {module}.pretrained_model.weight, {module}.pretrained_model.bias (FusionBench SmileMoELinear)",
            base: family.basePath.path,
            experts: family.taskNames.indices.map {
                SmileConfig.Expert(index: $0, task: family.taskNames[$0], path: family.modelPaths[$0].path, kind: family.modelKinds[$0].rawValue)
            },
            kRequested: options.expertRank.requestedRank.flatMap { $0 == Int.max ? nil : $0 }, rankForEnergy: options.expertRank.energyFraction,
            gateK: options.gateRank, topK: options.topK, include: options.include, exclude: options.exclude,
            modules: modules, plainLinear: plain,
            otherTensors: SmileConfig.OtherTensors(policy: policyName, model: model.map { family.taskNames[$0] }, count: policyCount, fromBase: fromBase),
            parameters: ParameterCounts(base: baseParameters, upscaled: output.parameterCount, keepAll: expertCount * baseParameters),
            routingProbe: SmileConfig.Probe(samples: options.probeSamples, probeRank: options.probeRank, seed: options.seed),
            files: files + sideFiles, notes: family.notes + family.skipped.map { "\($0.model): \($0.tensor) \($0.reason); the base value was written" } + paddingNote(modules, tasks: family.taskNames),
            layout: options.layout.rawValue, budget: plan.budget, routingTarget: options.routingTarget,
            sharedPath: options.sharedPath.argument, gateKTiedToK: options.gateRankTiedToK, balancedRouter: options.balancedRouter,
            sharedCoefficient: options.sharedPath.fixedCoefficient, expertScale: options.effectiveExpertScale)
        config.maxFlatness = options.maxFlatness
        config.routing = options.routing.rawValue
        config.sharedOnly = options.maxFlatness == nil ? nil : sharedOnly
        var warnings = Self.costWarnings(modules)
        if let limit = options.maxFlatness, !sharedOnly.isEmpty, sharedOnly.count == selected.count - plain.count {
            warnings.append(String(format: "no layer has flatness at most --max-flatness %g: every layer holds its shared path alone (a static merge, no experts)", limit))
        }
        config.warnings = warnings.isEmpty ? nil : warnings
        try AtomicFile.write(data: try config.encoded(), to: staging.appendingPathComponent(SmileConfig.fileName))
        try AtomicFile.write(data: Data(UpscaleReadme.markdown(config).utf8), to: staging.appendingPathComponent("README.md"))
        return config
    }

    /// A warning when the upscaled layers cost more parameters than keeping every fine-tuned model's copy
    /// of them (Σ upscaled > Σ E·(m·n + m) over the upscaled layers, ``ParameterCounts``): the mixture
    /// then saves nothing over serving the models separately (e.g. k 128 on 384-wide layers).
    static func costWarnings(_ modules: [UpscaledLayer]) -> [String] {
        let upscaled = modules.reduce(0) { $0 + $1.parameters.upscaled }, keepAll = modules.reduce(0) { $0 + $1.parameters.keepAll }
        let base = modules.reduce(0) { $0 + $1.parameters.base }
        guard keepAll > 0, upscaled > keepAll else { return [] }
        let largestK = modules.map(\.k).max() ?? 0
        return [String(format: "the %d upscaled layers cost %d parameters (%+.0f%% over their base), more than keeping every fine-tuned model's copy of them (%d): k up to %d is too large for these layers to save anything; lower --k, or use --budget or --rank-for-energy",
                       modules.count, upscaled, 100 * (Double(upscaled) / Double(max(base, 1)) - 1), keepAll, largestK)]
    }

    /// Which experts have fewer update triplets than their layer's k (their extra columns are zero).
    private func paddingNote(_ modules: [UpscaledLayer], tasks: [String]) -> [String] {
        let padded = tasks.indices.filter { i in modules.contains { $0.updateRanks[i] < $0.k } }
        guard !padded.isEmpty else { return [] }
        return ["experts \(padded.map { tasks[$0] }.joined(separator: ", ")) have update rank below k in some layers; their extra u columns and svh rows are zero (every expert of a layer keeps the same k)"]
    }

    /// `average`, `base` or `model`.
    private var policyName: String {
        switch options.others {
        case .average: return "average"
        case .base: return "base"
        case .model: return "model"
        }
    }

    /// The report entry of a zero-update layer written as an inert SMILE layer (``FusionBenchHFLayout``).
    private func inertRecord(module: String, layer: SmileLayer, expertCount: Int) -> UpscaledLayer {
        let base = layer.pretrained.parameterCount
        return UpscaledLayer(
            module: module, inFeatures: layer.inFeatures, outFeatures: layer.outFeatures, bias: layer.pretrained.bias != nil,
            k: layer.rank, gateK: layer.gate.gateRank, updateRanks: Array(repeating: 0, count: expertCount),
            energyKept: Array(repeating: 1, count: expertCount), truncationError: Array(repeating: 0, count: expertCount),
            parameters: ParameterCounts(base: base, upscaled: layer.parameterCount, keepAll: expertCount * base),
            routingAccuracy: nil, routingAccuracyGateSubspace: nil, routing: nil)
    }

    /// The report entry of one built layer, with its routing accuracy on probes.
    private func record(module: String, built: BuiltLayer, expertCount: Int, seed: UInt64) -> UpscaledLayer {
        let layer = built.layer
        let base = layer.pretrained.parameterCount
        let measure = options.probeSamples > 0
        let accuracy = measure ? RoutingAccuracy(layer: layer, samples: options.probeSamples, probeRank: options.probeRank, seed: seed) : nil
        let gateAccuracy = measure ? RoutingAccuracy(layer: layer, samples: options.probeSamples, probeRank: layer.gate.gateRank, seed: seed) : nil
        return UpscaledLayer(
            module: module, inFeatures: layer.inFeatures, outFeatures: layer.outFeatures, bias: layer.pretrained.bias != nil,
            k: layer.rank, gateK: layer.gate.gateRank, updateRanks: built.decompositions.map(\.numericalRank),
            energyKept: built.decompositions.map { $0.energyKept(rank: layer.rank) },
            truncationError: built.decompositions.map { Double($0.truncationError(rank: layer.rank)) },
            parameters: ParameterCounts(base: base, upscaled: layer.parameterCount, keepAll: expertCount * base),
            routingAccuracy: accuracy, routingAccuracyGateSubspace: gateAccuracy, routing: built.routing,
            sharedLambda: built.coefficient == 0 ? nil : built.coefficient)
    }
}
