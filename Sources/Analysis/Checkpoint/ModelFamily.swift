import Foundation

/// A pretrained base checkpoint and its fine-tunes, with tensors matched by name.
///
/// Each model is a full checkpoint (file or directory, see ``Checkpoint``) or a PEFT LoRA adapter
/// directory (see ``LoRAAdapter``), detected automatically. Names are matched exactly, or under the one
/// ``PrefixMapping`` that explains the most names (recorded in ``notes``; ties are an error). Opening reads
/// headers only; tensors are read one at a time by the accessors.
///
/// - A base tensor a full fine-tune lacks is listed in ``skipped`` and left out of ``matched``.
/// - A shape that differs between base and fine-tune is an error naming both files.
/// - Fine-tune tensors with no base counterpart (task heads), LoRA modules for weights the base lacks,
///   and adapter tensors that are not LoRA factors are ignored, with a note.
/// - dtypes may differ: everything decodes to `Float`.
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
    /// Base tensors some full fine-tune lacks, one entry per (model, tensor).
    public let skipped: [SkippedTensor]
    /// What was assumed or ignored while matching, one sentence each.
    public let notes: [String]

    let base: Checkpoint
    let members: [FamilyMember]
    let matchedIndex: [String: Int]

    /// Opens `base` and `models` (paths, or Hub repo ids `org/name[@revision]` found in `cache`, see
    /// ``CheckpointLocation``) and matches their tensors. `names`, when given, must have one unique name
    /// per model. Throws ``CheckpointError``.
    public static func open(base: String, models: [String], names: [String]? = nil, cache: HubCache = HubCache()) throws -> ModelFamily {
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
            base: Checkpoint(url: baseLocation.url), modelURLs: modelLocations.map(\.url), taskNames: taskNames, notes: cacheNotes)
    }

    private init(base: Checkpoint, modelURLs: [URL], taskNames: [String], notes: [String]) throws {
        let baseNames = Set(base.tensors.map(\.name))
        var members = [FamilyMember]()
        var skipped = [SkippedTensor]()
        var notes = notes
        for (url, task) in zip(modelURLs, taskNames) {
            if ModelKind.detect(url) == .lora {
                let adapter = try LoRAAdapter(directory: url)
                let modules = try Self.match(adapter, task: task, base: base, baseNames: baseNames, notes: &notes)
                members.append(.lora(adapter, modules: modules))
            } else {
                let checkpoint = try Checkpoint(url: url)
                let names = try Self.match(checkpoint, task: task, base: base, baseNames: baseNames, skipped: &skipped, notes: &notes)
                members.append(.full(checkpoint, names: names))
            }
        }
        let skippedNames = Set(skipped.map(\.tensor))
        let matched = base.tensors.filter { !skippedNames.contains($0.name) }.map { MatchedTensor(name: $0.name, shape: $0.shape, dtype: $0.dtype) }
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
    }

    /// Base name → model name for a full fine-tune; records missing tensors and notes.
    private static func match(
        _ model: Checkpoint, task: String, base: Checkpoint, baseNames: Set<String>,
        skipped: inout [SkippedTensor], notes: inout [String]
    ) throws -> [String: String] {
        let modelNames = model.tensors.map(\.name)
        let mapping = try mappingNote(base: baseNames, model: modelNames, task: task, label: model.displayPath, baseLabel: base.displayPath, notes: &notes)
        var names = [String: String]()
        for baseInfo in base.tensors {
            guard let name = mapping.modelName(forBase: baseInfo.name), let info = model.info(name) else {
                skipped.append(SkippedTensor(model: task, tensor: baseInfo.name, reason: "not in \(model.displayPath)"))
                continue
            }
            guard info.shape == baseInfo.shape else {
                throw CheckpointError.shapeMismatch(
                    baseFile: base.file(containing: baseInfo.name)!.displayPath, modelFile: model.file(containing: name)!.displayPath,
                    tensor: baseInfo.name, baseShape: baseInfo.shape, modelShape: info.shape)
            }
            names[baseInfo.name] = name
        }
        let extra = modelNames.filter { mapping.baseName(forModel: $0).map { !baseNames.contains($0) } ?? true }
        if let example = extra.first {
            notes.append("\(task): \(extra.count) tensor(s) with no counterpart in the base were ignored (e.g. \(example))")
        }
        return names
    }

    /// Base weight name → LoRA module; checks the update's shape against the base weight.
    private static func match(
        _ adapter: LoRAAdapter, task: String, base: Checkpoint, baseNames: Set<String>, notes: inout [String]
    ) throws -> [String: LoRAModule] {
        let label = adapter.directory.relativePath
        let mapping = try mappingNote(
            base: baseNames, model: adapter.modules.map(\.weightName), task: task, label: label, baseLabel: base.displayPath, notes: &notes)
        var modules = [String: LoRAModule]()
        var unmatched = [String]()
        for module in adapter.modules {
            guard let name = mapping.baseName(forModel: module.weightName), let baseInfo = base.info(name) else {
                unmatched.append(module.weightName)
                continue
            }
            guard baseInfo.shape == module.weightShape else {
                throw CheckpointError.shapeMismatch(
                    baseFile: base.file(containing: name)!.displayPath, modelFile: adapter.file.displayPath,
                    tensor: name, baseShape: baseInfo.shape, modelShape: module.weightShape)
            }
            modules[name] = module
        }
        if let example = unmatched.first {
            notes.append("\(task): \(unmatched.count) adapted module(s) update weights the base does not have and were ignored (e.g. \(example))")
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
