import Foundation

/// Writes the merge of a ``ModelFamily`` as a checkpoint shaped like the base: θ = θ_pre + c·M per
/// tensor, M from ``MergeMethod`` (see its table; formulas in ``SubspaceMerge`` and ``TiesMerge``).
///
/// - **Which rule per tensor.** Task arithmetic and TIES treat every floating-point tensor alike. The
///   subspace methods (TSV-M, Iso-C, Iso-CTS) merge 2-D linear weights (``MatchedTensor/isLinearWeight``:
///   not embeddings) in the singular basis and give every other tensor (embeddings, norms, biases)
///   c·(1/T)Σᵢτᵢ, as the reference code does. Integer tensors, and tensors some full fine-tune lacks, are
///   copied from the base. LoRA adapters contribute ΔW = s·BA to the weights they adapt and nothing
///   elsewhere; weights stored in × out (GPT-2 `Conv1D`) are merged as out × in and written back as stored.
/// - **Layout.** Same tensor names, shapes and dtypes as the base (F8 weights are written dequantized, as
///   F32; quantization scales are dropped); the same shard files as a sharded base (PyTorch `.bin` shards
///   become `.safetensors` of the same numbering) with `model.safetensors.index.json`, else one
///   `model.safetensors`. `config.json`, tokenizer and generation files are copied from the base's
///   directory; `merge_config.json` (``MergeRecord``) and `README.md` say what was done.
/// - **Memory.** Tensors are computed one at a time as the writer reaches them
///   (``SafetensorsWriter/stream(_:to:metadata:produce:)``): one tensor of each model plus the merged one.
/// - **Atomicity.** Everything goes into a staging directory renamed into place at the end
///   (``StagedDirectory``): any failure — NaN in an update, an SVD that fails, a full disk — leaves
///   nothing behind, and an existing output is replaced only when asked and only if it is a previous merge.
public struct ModelMerger: Sendable {
    /// The method and its parameters.
    public var settings: MergeSettings

    public init(settings: MergeSettings) {
        self.settings = settings
    }

    /// Side files copied from the base's directory when present.
    public static let sideFiles = [
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model",
        "vocab.txt", "vocab.json", "merges.txt", "added_tokens.json", "spiece.model", "sentencepiece.bpe.model", "chat_template.jinja",
        "chat_template.json", "modules.json", "sentence_bert_config.json", "config_sentence_transformers.json",
    ]

    /// Merges `family` into `directory`, reporting progress per tensor, and returns what was written.
    ///
    /// - Throws: ``MergeError`` (options, non-finite updates, an output that is an input, a subspace
    ///   method without 2-D linear weights), ``UpscaleError`` (existing output, writing),
    ///   ``CheckpointError`` (reading), ``LinearAlgebraError`` (SVD failure).
    public func merge(_ family: ModelFamily, to directory: URL, progress: (@Sendable (FamilyAnalyzer.Progress) -> Void)? = nil) throws -> MergeRecord {
        try settings.validate()
        try refuseOverwritingInputs(family, directory)
        LargeBufferReuse.enable
        if settings.method.isSubspaceMethod, !family.matched.contains(where: \.isLinearWeight) {
            throw MergeError.unsupportedInput("\(settings.method.displayName) merges 2-D linear weights in their singular basis, and \(family.basePath.relativePath) has none")
        }
        let shards = outputShards(family.base)
        let stage = try StagedDirectory(destination: directory, replace: settings.replaceExisting, marker: MergeRecord.fileName)
        return try stage.fill { staging in
            var counts = (subspace: 0, method: 0, fromBase: [String]())
            let total = shards.reduce(0) { $0 + $1.names.count }
            var done = 0
            for shard in shards {
                let entries = shard.names.map { name -> (name: String, dtype: DType, shape: [Int]) in
                    let info = family.base.info(name)!
                    return (name, SmileUpscaler.outputType(info.dtype), info.shape)
                }
                try SafetensorsWriter.stream(entries, to: staging.appendingPathComponent(shard.file)) { name in
                    progress?(FamilyAnalyzer.Progress(done: done, total: total, current: name))
                    done += 1
                    let (tensor, rule) = try mergedTensor(family, name)
                    switch rule {
                    case .subspace: counts.subspace += 1
                    case .method: counts.method += 1
                    case .base: counts.fromBase.append(name)
                    }
                    return tensor
                }
            }
            progress?(FamilyAnalyzer.Progress(done: total, total: total, current: ""))
            var files = shards.map(\.file)
            if shards.count > 1 {
                try writeIndex(family, shards: shards, into: staging)
                files.append("model.safetensors.index.json")
            }
            let copied = try StagedDirectory.copyPresent(Self.sideFiles, from: Self.directory(of: family.basePath), into: staging)
            let record = MergeRecord(
                settings: settings, family: family, subspaceWeights: counts.subspace, methodTensors: counts.method,
                fromBase: counts.fromBase, files: files + copied)
            try AtomicFile.write(data: try record.encoded(), to: staging.appendingPathComponent(MergeRecord.fileName))
            try AtomicFile.write(data: Data(MergeReadme.markdown(record).utf8), to: staging.appendingPathComponent("README.md"))
            return record
        }
    }

    /// How a tensor was merged.
    enum Rule { case subspace, method, base }

    /// θ_pre + c·M for tensor `name` of the base, and which rule gave it.
    func mergedTensor(_ family: ModelFamily, _ name: String) throws -> (Tensor, Rule) {
        let baseTensor = try family.baseTensor(name)
        guard let matched = family.matched.first(where: { $0.name == name }),
              SmileUpscaler.isFloatingPoint(family.base.info(name)!.dtype) else { return (baseTensor, .base) }
        let c = Float(settings.coefficient)
        if settings.method.isSubspaceMethod, matched.isLinearWeight {
            let updates = try family.updates(for: name)
            if let bad = updates.firstIndex(where: { !$0.isFinite }) { throw nonFinite(family, model: bad, tensor: name) }
            var merged = try settings.mergedUpdate(of: updates, context: name)
            if family.isStoredTransposed(name) { merged = merged.transposed }
            return (Tensor(shape: baseTensor.shape, values: Self.adding(c, merged.elements, to: baseTensor.values)), .subspace)
        }
        let updates = try family.denseUpdates(for: name, base: baseTensor).map(\.values)
        if let bad = updates.firstIndex(where: { !$0.allSatisfy(\.isFinite) }) { throw nonFinite(family, model: bad, tensor: name) }
        let merged: [Float]
        switch settings.method {
        case .taskArithmetic: merged = Self.sum(updates)
        case .ties: merged = TiesMerge.merge(updates, density: settings.density)
        default: merged = Self.sum(updates).map { $0 / Float(updates.count) }
        }
        return (Tensor(shape: baseTensor.shape, values: Self.adding(c, merged, to: baseTensor.values)), .method)
    }

    /// base + c·update, element by element (BLAS saxpy into a copy of base).
    static func adding(_ c: Float, _ update: [Float], to base: [Float]) -> [Float] {
        var result = base
        ElementwiseUpdate.add(c, update, to: &result)
        return result
    }

    /// Σᵢ vᵢ, accumulated left to right (BLAS saxpy).
    static func sum(_ vectors: [[Float]]) -> [Float] {
        var total = vectors[0]
        for vector in vectors.dropFirst() { ElementwiseUpdate.add(1, vector, to: &total) }
        return total
    }

    private func nonFinite(_ family: ModelFamily, model: Int, tensor: String) -> MergeError {
        .nonFinite(model: family.taskNames[model], file: family.modelPaths[model].relativePath, tensor: tensor)
    }

    /// The output files and the base tensors each holds, in the base's shard order.
    func outputShards(_ base: Checkpoint) -> [(file: String, names: [String])] {
        let names = base.tensors.map(\.name).filter { !QuantizedWeights.isQuantizationParameter($0) }
        guard base.indexURL != nil, base.files.count > 1 else { return [("model.safetensors", names)] }
        return base.files.map { file in
            let held = names.filter { base.file(containing: $0) === file }
            var output = file.url.lastPathComponent
            if output.hasSuffix(".bin") {
                output = String(output.dropLast(".bin".count)) + ".safetensors"
                if output.hasPrefix("pytorch_model") { output = "model" + output.dropFirst("pytorch_model".count) }
            }
            return (output, held)
        }.filter { !$0.names.isEmpty }
    }

    /// `model.safetensors.index.json` for `shards`: total size and the tensor → file map.
    private func writeIndex(_ family: ModelFamily, shards: [(file: String, names: [String])], into directory: URL) throws {
        var weightMap = [String: String]()
        var totalSize = 0
        for shard in shards {
            for name in shard.names {
                weightMap[name] = shard.file
                let info = family.base.info(name)!
                totalSize += info.numel * SmileUpscaler.outputType(info.dtype).byteSize
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(ShardedSafetensorsOutput.ShardIndexFile(metadata: .init(totalSize: totalSize), weightMap: weightMap))
        data.append(UInt8(ascii: "\n"))
        try AtomicFile.write(data: data, to: directory.appendingPathComponent("model.safetensors.index.json"))
    }

    /// The directory holding the base's config: the base itself, or a file's directory.
    static func directory(of url: URL) -> URL {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue ? url : url.deletingLastPathComponent()
    }

    /// The output must not be, or contain, an input: with replacement it would be deleted.
    private func refuseOverwritingInputs(_ family: ModelFamily, _ directory: URL) throws {
        if let input = StagedDirectory.input(among: [family.basePath] + family.modelPaths, inside: directory) {
            throw MergeError.outputIsInput(output: directory.relativePath, input: input.relativePath)
        }
    }
}
