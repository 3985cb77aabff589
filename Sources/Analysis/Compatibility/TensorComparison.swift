/// Compares the tensor headers of a full checkpoint with the base's (no tensor data is read).
///
/// Names are matched as ``ModelFamily`` matches them (exactly, or under the best ``PrefixMapping``).
/// Findings: a base weight the model lacks (incompatible: task arithmetic and SMILE need every weight;
/// the layer indices missing are summarised) — a missing buffer (``isBuffer(_:)``: an integer or boolean
/// tensor, or a name transformers registers as a buffer, e.g. `embeddings.position_ids`, which newer
/// versions no longer save) is a note —, a tensor of another shape (incompatible; e.g. a resized
/// `embed_tokens` / `lm_head`; the first ``shapeFindingLimit`` one by one, then a count), tensors with no
/// base counterpart (note: task heads), and another storage dtype (note). Quantization scales are left
/// out, as the analyses leave them out. A tensor missing or of another shape outside the caller's
/// ``TensorSelection`` is a note (one for the missing, one for the reshaped): the run never reads it.
enum TensorComparison {
    /// Shape differences reported one by one before the rest are counted in one finding.
    static let shapeFindingLimit = 20

    /// Tensor-embedding names, as suffixes, in the order they are looked for.
    static let embeddingSuffixes = ["embed_tokens.weight", "word_embeddings.weight", "wte.weight", "tok_embeddings.weight", "embed_in.weight", "shared.weight"]

    /// Name suffixes of tensors transformers registers as buffers, not weights.
    static let bufferSuffixes = ["position_ids", "token_type_ids", "rotary_emb.inv_freq", "num_batches_tracked", "attn.bias", "attn.masked_bias"]

    /// Whether `info` is a buffer rather than a trained weight: not a floating-point dtype, or a
    /// ``bufferSuffixes`` name.
    static func isBuffer(_ info: TensorInfo) -> Bool {
        ![DType.f64, .f32, .f16, .bf16, .f8E4M3, .f8E5M2].contains(info.dtype) || bufferSuffixes.contains { info.name.hasSuffix($0) }
    }

    /// The rows of the token-embedding tensor among `tensors`, or nil.
    static func embeddingRows(_ tensors: [TensorInfo]) -> Int? {
        for suffix in embeddingSuffixes {
            if let info = tensors.first(where: { $0.name.hasSuffix(suffix) && $0.shape.count == 2 }) { return info.shape[0] }
        }
        return nil
    }

    /// The findings of `model` against `base`, missing and reshaped tensors judged for `selection`;
    /// findings about the whole checkpoint name its shard index or its one file.
    static func compare(base: Checkpoint, model: Checkpoint, selection: TensorSelection = .all) throws -> [CompatibilityFinding] {
        let label = model.indexURL?.relativePath ?? (model.files.count == 1 ? model.files[0].displayPath : model.displayPath)
        let baseTensors = base.tensors.filter { !QuantizedWeights.isQuantizationParameter($0.name) }
        let modelTensors = model.tensors.filter { !QuantizedWeights.isQuantizationParameter($0.name) }
        let (mapping, matches) = try PrefixMapping.best(base: Set(baseTensors.map(\.name)), model: modelTensors.map(\.name), modelLabel: label)
        guard matches > 0 else {
            return [CompatibilityFinding(.incompatible, .tensors, key: "tensor names", file: label,
                message: "no tensor name matches the base \(base.displayPath), even after prefix mapping")]
        }
        var findings = [CompatibilityFinding]()
        if !mapping.isIdentity {
            findings.append(CompatibilityFinding(.note, .tensors, key: "prefix", file: label, message: "tensor names differ from the base by a prefix: \(mapping)"))
        }
        var missing = [String](), missingBuffers = [String](), reshaped = [(TensorInfo, TensorInfo)](), dtypes = [String: Int]()
        var unselectedMissing = [String](), unselectedReshaped = [(TensorInfo, TensorInfo)]()
        for baseInfo in baseTensors {
            let selected = selection.contains(baseInfo.name)
            guard let name = mapping.modelName(forBase: baseInfo.name), let info = model.info(name) else {
                if Self.isBuffer(baseInfo) { missingBuffers.append(baseInfo.name) } else if selected { missing.append(baseInfo.name) } else { unselectedMissing.append(baseInfo.name) }
                continue
            }
            if info.shape != baseInfo.shape {
                if selected { reshaped.append((baseInfo, info)) } else { unselectedReshaped.append((baseInfo, info)) }
            }
            if info.dtype != baseInfo.dtype { dtypes["\(info.dtype.rawValue) here, \(baseInfo.dtype.rawValue) in the base", default: 0] += 1 }
        }
        if let first = missing.first {
            let layers = Self.layerSummary(missing).map { " (\($0))" } ?? ""
            findings.append(CompatibilityFinding(.incompatible, .tensors, key: first, base: String(baseTensors.count), model: String(baseTensors.count - missing.count - unselectedMissing.count), file: label,
                message: "\(missing.count) of the base's \(baseTensors.count) tensors are missing\(layers), e.g. \(ConfigComparison.listed(missing, limit: 3))"))
        }
        if let first = unselectedMissing.first {
            let layers = Self.layerSummary(unselectedMissing).map { " (\($0))" } ?? ""
            findings.append(CompatibilityFinding(.note, .tensors, key: first, base: String(baseTensors.count), file: label,
                message: "\(unselectedMissing.count) of the base's \(baseTensors.count) tensors are missing\(layers), all outside the selection \(selection.options) and not read, e.g. \(ConfigComparison.listed(unselectedMissing, limit: 3))"))
        }
        if let (baseInfo, info) = unselectedReshaped.first {
            findings.append(CompatibilityFinding(.note, .tensors, key: baseInfo.name, base: "\(baseInfo.shape)", model: "\(info.shape)", file: label,
                message: "\(unselectedReshaped.count) tensor(s) outside the selection \(selection.options) have other shapes than in the base and are not read, e.g. \(CheckpointError.quoted(baseInfo.name)) (\(info.shape) here, \(baseInfo.shape) in the base)"))
        }
        if let first = missingBuffers.first {
            findings.append(CompatibilityFinding(.note, .tensors, key: first, file: label,
                message: "\(missingBuffers.count) buffer(s) of the base are not stored here and are not merged, e.g. \(ConfigComparison.listed(missingBuffers, limit: 3))"))
        }
        for (baseInfo, info) in reshaped.prefix(shapeFindingLimit) {
            findings.append(CompatibilityFinding(.incompatible, .tensors, key: baseInfo.name, base: "\(baseInfo.shape)", model: "\(info.shape)",
                file: model.file(containing: info.name)?.displayPath ?? label,
                message: "tensor \(CheckpointError.quoted(baseInfo.name)) has shape \(info.shape) here but \(baseInfo.shape) in the base"))
        }
        if reshaped.count > shapeFindingLimit {
            findings.append(CompatibilityFinding(.incompatible, .tensors, key: "shapes", file: label,
                message: "\(reshaped.count - shapeFindingLimit) more tensors have other shapes than in the base"))
        }
        let extra = modelTensors.map(\.name).filter { name in mapping.baseName(forModel: name).map { base.info($0) == nil } ?? true }
        if let first = extra.first {
            findings.append(CompatibilityFinding(.note, .tensors, key: first, file: label,
                message: "\(extra.count) tensor(s) have no counterpart in the base and are not merged (task heads?), e.g. \(ConfigComparison.listed(extra, limit: 3))"))
        }
        for (what, count) in dtypes.sorted(by: { $0.key < $1.key }) {
            findings.append(CompatibilityFinding(.note, .dtype, key: "dtype", file: label, message: "\(count) tensor(s) are stored as \(what); weights are compared in float32"))
        }
        return findings
    }

    /// `layers 40–79` for names with a numeric component after `layers`/`layer`/`h`/`blocks`, else nil.
    static func layerSummary(_ names: [String]) -> String? {
        var indices = Set<Int>()
        for name in names {
            let parts = name.split(separator: ".")
            for (position, part) in parts.enumerated().dropFirst() where ["layers", "layer", "h", "blocks", "block"].contains(parts[position - 1]) {
                if let index = Int(part) { indices.insert(index) }
            }
        }
        guard !indices.isEmpty else { return nil }
        var ranges = [(Int, Int)]()
        for index in indices.sorted() {
            if let last = ranges.last, last.1 + 1 == index { ranges[ranges.count - 1].1 = index } else { ranges.append((index, index)) }
        }
        return (indices.count == 1 ? "layer " : "layers ") + ranges.map { $0 == $1 ? "\($0)" : "\($0)–\($1)" }.joined(separator: ", ")
    }
}
