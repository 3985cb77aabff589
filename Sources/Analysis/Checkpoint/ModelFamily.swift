import Foundation

/// A pretrained base checkpoint and its fine-tunes, with tensors matched by name.
///
/// Each model is a full checkpoint (file or directory, see ``Checkpoint``) or a PEFT LoRA adapter
/// directory (see ``LoRAAdapter``), detected automatically. Names are matched exactly, or under the one
/// ``PrefixMapping`` that explains the most names (recorded in ``notes``; ties are an error). Opening reads
/// headers only; tensors are read one at a time by the accessors.
///
/// - A base tensor a full fine-tune lacks is listed in ``skipped`` and left out of ``matched``.
/// - A shape that differs between base and fine-tune is an error naming both files — unless the tensor
///   is outside the `selection` opened with: then a full fine-tune's tensor is listed in ``skipped`` (like
///   a missing one), an adapter's module is ignored with a note.
/// - Fine-tune tensors with no base counterpart (task heads) and adapter tensors that are not LoRA factors
///   are ignored, with a note. A LoRA module for a weight the base lacks is an error
///   (``CheckpointError/unmatchedAdapterModules(adapter:base:modules:)``): dropping it would hide part of
///   the fine-tune.
/// - dtypes may differ: everything decodes to `Float`.
/// - Weights stored in × out (GPT-2 `Conv1D`, see ``WeightLayout``) are listed in ``storedTransposed``
///   and read transposed by the matrix accessors, with a note.
public final class ModelFamily: Sendable {
    /// One name per model: the given names, or the directory name (for a file, its name without
    /// extension, or its directory's name when the file is the conventional `model.safetensors`).
    public let taskNames: [String]
    /// The base checkpoint's location.
    public let basePath: URL
    /// The fine-tunes' locations, in the order given.
    public let modelPaths: [URL]
    /// How each fine-tune is stored.
    public let modelKinds: [ModelKind]
    /// Base tensors present in every model, sorted by name.
    public let matched: [MatchedTensor]
    /// Base tensors some full fine-tune lacks (or, outside the selection, stores with another shape), one
    /// entry per (model, tensor).
    public let skipped: [SkippedTensor]
    /// What was assumed or ignored while matching, one sentence each.
    public let notes: [String]
    /// How the base stores its 2-D weights (model type, `--transposed` pattern).
    public let layout: WeightLayout
    /// Matched 2-D weights stored in × out: ``baseMatrix(_:)`` and ``updates(for:)`` transpose them.
    public let storedTransposed: Set<String>

    let base: Checkpoint
    let members: [FamilyMember]
    let matchedIndex: [String: Int]

    /// Opens `base` and `models` (paths, or Hub repo ids `org/name[@revision]` found in `cache`, see
    /// ``CheckpointLocation``) and matches their tensors. `names`, when given, must have one unique name
    /// per model; `transposed`, a pattern naming further weights stored in × out (see ``WeightLayout``);
    /// `selection`, the tensors the caller will read: a shape mismatch outside it is skipped, not thrown.
    /// Throws ``CheckpointError``.
    public static func open(
        base: String, models: [String], names: [String]? = nil, transposed: String? = nil, selection: TensorSelection = .all, cache: HubCache = HubCache()
    ) throws -> ModelFamily {
        guard !models.isEmpty else { throw CheckpointError.invalidFamily(reason: "no fine-tuned models given") }
        let baseLocation = try CheckpointLocation.resolve(base, cache: cache)
        let modelLocations = try models.map { try CheckpointLocation.resolve($0, cache: cache) }
        let taskNames = names ?? modelLocations.map(\.defaultName)
        guard taskNames.count == models.count else {
            throw CheckpointError.invalidFamily(reason: "\(taskNames.count) names for \(models.count) models")
        }
        guard Set(taskNames).count == taskNames.count else {
            throw CheckpointError.invalidFamily(reason: "task names are not unique: \(taskNames.joined(separator: ", ")); pass names explicitly")
        }
        let cacheNotes = zip(["base"] + taskNames, [baseLocation] + modelLocations).compactMap { label, location in
            location.snapshot.map { "\(label): from the Hugging Face cache, \($0)" }
        }
        return try ModelFamily(
            base: Checkpoint(url: baseLocation.url), modelURLs: modelLocations.map(\.url), taskNames: taskNames,
            layout: WeightLayout(baseURL: baseLocation.url, pattern: transposed), selection: selection, notes: cacheNotes)
    }

    private init(base: Checkpoint, modelURLs: [URL], taskNames: [String], layout: WeightLayout, selection: TensorSelection, notes: [String]) throws {
        try base.refusePackedWeights()
        let baseNames = Set(base.tensors.map(\.name))
        var members = [FamilyMember]()
        var skipped = [SkippedTensor]()
        var notes = notes
        for (url, task) in zip(modelURLs, taskNames) {
            if ModelKind.detect(url) == .lora {
                let adapter = try LoRAAdapter(directory: url)
                let modules = try Self.match(adapter, task: task, base: base, baseNames: baseNames, selection: selection, notes: &notes)
                members.append(.lora(adapter, modules: modules))
            } else {
                let checkpoint = try Checkpoint(url: url)
                try checkpoint.refusePackedWeights()
                let names = try Self.match(checkpoint, task: task, base: base, baseNames: baseNames, selection: selection, skipped: &skipped, notes: &notes)
                members.append(.full(checkpoint, names: names))
            }
        }
        let skippedNames = Set(skipped.map(\.tensor))
        let scales = base.tensors.filter { QuantizedWeights.isQuantizationParameter($0.name) }
        if let example = scales.first {
            notes.append("\(scales.count) quantization scale(s) of the base (e.g. \(example.name)) were applied to their weights and are not analysed on their own")
        }
        let matched = base.tensors.filter { !skippedNames.contains($0.name) && !QuantizedWeights.isQuantizationParameter($0.name) }.map { MatchedTensor(name: $0.name, shape: $0.shape, dtype: $0.dtype) }
        let transposed = try Self.transposedWeights(matched, layout: layout, members: members, taskNames: taskNames)
        if let example = transposed.min() {
            let conv1D = transposed.filter(layout.isConv1D).count, named = transposed.filter(layout.matchesPattern).count
            let byAdapter = transposed.filter { !layout.isStoredTransposed($0) }.count
            let sources = [(conv1D, "transformers Conv1D of model_type \(layout.modelType ?? "")"), (named, "--transposed \(layout.pattern ?? "")"), (byAdapter, "LoRA fan_in_fan_out")]
                .filter { $0.0 > 0 }.map { "\($0.0) by \($0.1)" }
            notes.append("\(transposed.count) weight(s) are stored in × out (\(sources.joined(separator: "; "))), e.g. \(example): analysed transposed, as out × in")
        }
        self.taskNames = taskNames
        self.basePath = base.url
        self.modelPaths = modelURLs
        self.modelKinds = members.map { if case .lora = $0 { .lora } else { .full } }
        self.matched = matched
        self.skipped = skipped
        self.notes = notes
        self.base = base
        self.members = members
        self.matchedIndex = Dictionary(uniqueKeysWithValues: matched.enumerated().map { ($1.name, $0) })
        self.layout = layout
        self.storedTransposed = transposed
    }

    /// The matched 2-D weights stored in × out, by the layout or by an adapter's `fan_in_fan_out`.
    /// Throws ``CheckpointError/layoutConflict(tensor:reason:)`` when they disagree.
    private static func transposedWeights(_ matched: [MatchedTensor], layout: WeightLayout, members: [FamilyMember], taskNames: [String]) throws -> Set<String> {
        var transposed = Set<String>()
        for tensor in matched where tensor.shape.count == 2 {
            let declared = layout.isStoredTransposed(tensor.name)
            var byAdapter: (task: String, flag: Bool)?
            for (member, task) in zip(members, taskNames) {
                guard case let .lora(_, modules) = member, let module = modules[tensor.name], !module.factorA.name.contains("lora_embedding") else { continue }
                if let earlier = byAdapter, earlier.flag != module.isTransposed {
                    throw CheckpointError.layoutConflict(tensor: tensor.name, reason: "adapter \(earlier.task) has fan_in_fan_out = \(earlier.flag) but adapter \(task) has \(module.isTransposed)")
                }
                byAdapter = (task, module.isTransposed)
            }
            if let byAdapter, layout.modelType != nil || layout.pattern != nil, byAdapter.flag != declared {
                let why = layout.isConv1D(tensor.name) ? "it is a Conv1D weight of model_type \(layout.modelType!), stored in × out" : declared ? "--transposed names it (stored in × out)" : "neither the model type nor --transposed says it is stored in × out"
                throw CheckpointError.layoutConflict(tensor: tensor.name, reason: "adapter \(byAdapter.task) has fan_in_fan_out = \(byAdapter.flag), but \(why); PEFT sets fan_in_fan_out exactly for such weights")
            }
            if declared || byAdapter?.flag == true { transposed.insert(tensor.name) }
        }
        return transposed
    }

    /// Base name → model name for a full fine-tune; records missing tensors (and reshaped ones outside
    /// `selection`) and notes.
    private static func match(
        _ model: Checkpoint, task: String, base: Checkpoint, baseNames: Set<String>, selection: TensorSelection,
        skipped: inout [SkippedTensor], notes: inout [String]
    ) throws -> [String: String] {
        let modelNames = model.tensors.map(\.name)
        let mapping = try mappingNote(base: baseNames, model: modelNames, task: task, label: model.displayPath, baseLabel: base.displayPath, notes: &notes)
        var names = [String: String]()
        for baseInfo in base.tensors where !QuantizedWeights.isQuantizationParameter(baseInfo.name) {
            guard let name = mapping.modelName(forBase: baseInfo.name), let info = model.info(name) else {
                skipped.append(SkippedTensor(model: task, tensor: baseInfo.name, reason: "not in \(model.displayPath)"))
                continue
            }
            guard info.shape == baseInfo.shape else {
                if !selection.contains(baseInfo.name) {
                    skipped.append(SkippedTensor(model: task, tensor: baseInfo.name, reason: "shape \(info.shape) in \(model.displayPath), \(baseInfo.shape) in the base (outside the selection)"))
                    continue
                }
                throw CheckpointError.shapeMismatch(
                    baseFile: base.file(containing: baseInfo.name)!.displayPath, modelFile: model.file(containing: name)!.displayPath,
                    tensor: baseInfo.name, baseShape: baseInfo.shape, modelShape: info.shape)
            }
            names[baseInfo.name] = name
        }
        let extra = modelNames.filter { !QuantizedWeights.isQuantizationParameter($0) && (mapping.baseName(forModel: $0).map { !baseNames.contains($0) } ?? true) }
        if let example = extra.first {
            notes.append("\(task): \(extra.count) tensor(s) with no counterpart in the base were ignored (e.g. \(example))")
        }
        return names
    }

    /// Base weight name → LoRA module; checks the update's shape against the base weight (a module of
    /// another shape outside `selection` is ignored, with a note).
    private static func match(
        _ adapter: LoRAAdapter, task: String, base: Checkpoint, baseNames: Set<String>, selection: TensorSelection, notes: inout [String]
    ) throws -> [String: LoRAModule] {
        let label = adapter.directory.relativePath
        let mapping = try mappingNote(
            base: baseNames, model: adapter.modules.map(\.weightName), task: task, label: label, baseLabel: base.displayPath, notes: &notes)
        var modules = [String: LoRAModule]()
        var unmatched = [String](), reshaped = [String]()
        for module in adapter.modules {
            guard let name = mapping.baseName(forModel: module.weightName), let baseInfo = base.info(name) else {
                unmatched.append(module.weightName)
                continue
            }
            guard baseInfo.shape == module.weightShape else {
                if !selection.contains(name) { reshaped.append(name); continue }
                throw CheckpointError.shapeMismatch(
                    baseFile: base.file(containing: name)!.displayPath, modelFile: adapter.file.displayPath,
                    tensor: name, baseShape: baseInfo.shape, modelShape: module.weightShape)
            }
            modules[name] = module
        }
        guard unmatched.isEmpty else {
            throw CheckpointError.unmatchedAdapterModules(adapter: adapter.file.displayPath, base: base.displayPath, modules: unmatched)
        }
        if let example = reshaped.first {
            notes.append("\(task): \(reshaped.count) adapted module(s) outside the selection update a weight of another shape than the base's and were ignored (e.g. \(example))")
        }
        if let example = adapter.unrecognizedTensors.first {
            notes.append("\(task): \(adapter.unrecognizedTensors.count) adapter tensor(s) that are not LoRA factors were ignored (e.g. \(example))")
        }
        return modules
    }

    /// The best prefix mapping; a note when it is not the identity; an error when nothing matches.
    private static func mappingNote(
        base: Set<String>, model: [String], task: String, label: String, baseLabel: String, notes: inout [String]
    ) throws -> PrefixMapping {
        let (mapping, matches) = try PrefixMapping.best(base: base, model: model, modelLabel: label)
        guard matches > 0 else { throw CheckpointError.noCommonTensors(base: baseLabel, model: label) }
        if !mapping.isIdentity {
            notes.append("\(task): tensor names differ from the base by a prefix: \(mapping) (\(matches) of \(model.count) names matched)")
        }
        return mapping
    }
}
