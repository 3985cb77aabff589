import Foundation

/// Checks whether fine-tuned models can be merged with their base by task arithmetic or SMILE, reading
/// only `config.json`, `generation_config.json`, tokenizer files (``TokenizerFiles``), adapter configs
/// and tensor headers (safetensors headers, shard indexes, the zip directory and pickle of `.bin` files) —
/// never tensor data, so it answers in well under a second at any model size.
///
/// Per model, against the base: the configs (``ConfigComparison``: architecture, shape-defining
/// hyperparameters, positional scheme, tied embeddings, dtype), the tokenizer (``TokenizerComparison``),
/// and the tensors (``TensorComparison``) or, for a LoRA adapter, its modules (``AdapterComparison``).
/// A config or tokenizer file on one side only is a note: a fine-tune saved without them uses the base's.
/// Tensor findings respect the caller's ``TensorSelection`` (the `--include/--exclude` of `model`,
/// `mergeable`, `upscale`): a tensor missing or of another shape outside it is a note, since the run never
/// reads it; inside it (and with ``TensorSelection/all``, `check`'s default) it stays incompatible.
/// Bad input (a file that cannot be read, malformed JSON, a tokenizer of unknown kind, a lying header)
/// throws a ``CheckpointError`` naming the file and the rule.
public enum CompatibilityCheck {
    /// Checks `models` (paths, or Hub repo ids `org/name[@revision]` found in `cache`) against `base`;
    /// `names`, when given, one unique task name per model; `selection`, the tensors the caller will read.
    public static func run(
        base: String, models: [String], names: [String]? = nil, selection: TensorSelection = .all, cache: HubCache = HubCache()
    ) throws -> CompatibilityReport {
        guard !models.isEmpty else { throw CheckpointError.invalidFamily(reason: "no fine-tuned models given") }
        let baseLocation = try CheckpointLocation.resolve(base, cache: cache)
        let locations = try models.map { try CheckpointLocation.resolve($0, cache: cache) }
        let taskNames = names ?? locations.map(\.defaultName)
        guard taskNames.count == models.count, Set(taskNames).count == taskNames.count else {
            throw CheckpointError.invalidFamily(reason: "task names must be one unique name per model: \(taskNames.joined(separator: ", "))")
        }
        let baseSide = try Side(baseLocation.url)
        let checkpoint = try Checkpoint(url: baseLocation.url)
        var notes = [String]()
        if baseSide.config == nil { notes.append("the base has no config.json: hyperparameters are not compared") }
        if baseSide.tokenizer == nil { notes.append("the base has no tokenizer files: tokenizers are not compared") }
        let results = try zip(taskNames, locations).map { name, location in
            try check(location.url, name: name, base: baseSide, checkpoint: checkpoint, selection: selection)
        }
        return CompatibilityReport(base: baseLocation.url.relativePath, notes: notes, models: results)
    }

    /// The side files of a base or model directory (or of a weight file's directory).
    struct Side {
        let directory: URL
        let config: ModelConfig?
        let generation: ModelConfig?
        let tokenizer: TokenizerFiles?

        init(_ url: URL) throws {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
            directory = exists && isDirectory.boolValue ? url : url.deletingLastPathComponent()
            config = try ModelConfig.optional("config.json", in: directory)
            generation = try ModelConfig.optional("generation_config.json", in: directory)
            tokenizer = try TokenizerFiles.read(in: directory)
        }
    }

    private static func check(_ url: URL, name: String, base: Side, checkpoint: Checkpoint, selection: TensorSelection) throws -> ModelCompatibility {
        let side = try Side(url)
        var findings = [CompatibilityFinding]()
        let kind = ModelKind.detect(url)
        let tensors: [TensorInfo]
        if kind == .lora {
            let adapter = try LoRAAdapter(directory: url)
            findings += try AdapterComparison.compare(base: checkpoint, adapter: adapter, selection: selection)
            tensors = adapter.file.tensors + checkpoint.tensors
        } else {
            let model = try Checkpoint(url: url)
            findings += try TensorComparison.compare(base: checkpoint, model: model, selection: selection)
            tensors = model.tensors
            switch (base.config, side.config) {
            case let (baseConfig?, modelConfig?): findings += ConfigComparison.compare(base: baseConfig, model: modelConfig)
            case let (baseConfig?, nil):
                findings.append(CompatibilityFinding(.note, .config, key: "config.json", file: side.directory.relativePath,
                    message: "no config.json here (the base has \(baseConfig.url.relativePath)): hyperparameters are not compared"))
            case let (nil, modelConfig?):
                findings.append(CompatibilityFinding(.note, .config, key: "config.json", file: modelConfig.url.relativePath, message: "the base has no config.json to compare with"))
            case (nil, nil): break
            }
            findings += ConfigComparison.compareGeneration(base: base.generation, model: side.generation).map { [$0] } ?? []
        }
        var tokenizer: TokenizerComparison?
        switch (base.tokenizer, side.tokenizer) {
        case let (baseTokenizer?, modelTokenizer?):
            let comparison = TokenizerComparison.compare(base: baseTokenizer, model: modelTokenizer, embeddingRows: TensorComparison.embeddingRows(tensors))
            findings += comparison.findings(model: modelTokenizer)
            tokenizer = comparison
        case (_?, nil) where kind == .full:
            findings.append(CompatibilityFinding(.note, .tokenizer, key: "tokenizer", file: side.directory.relativePath, message: "no tokenizer files here: the base's are assumed"))
        case let (nil, modelTokenizer?):
            findings.append(CompatibilityFinding(.note, .tokenizer, key: "tokenizer", file: modelTokenizer.vocabularyFile, message: "the base has no tokenizer files to compare with"))
        default: break
        }
        let ordered = CompatibilitySeverity.allCases.reversed().flatMap { severity in findings.filter { $0.severity == severity } }
        return ModelCompatibility(name: name, path: url.relativePath, kind: kind.rawValue, status: CompatibilityStatus(findings), tokenizer: tokenizer, findings: ordered)
    }
}
