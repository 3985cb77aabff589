/// Everything that can be wrong with a checkpoint, an adapter or a family of them.
///
/// `description` is always one line: the file (as the path it was opened with), then the tensor when
/// there is one, then the rule broken, e.g.
/// `model.safetensors: tensor "encoder.x.weight": data_offsets [0, 12] cover 12 bytes but F32 [2, 2] needs 16`.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    // MARK: Files

    /// The file or directory could not be opened or read (`reason` is the system's message).
    case unreadable(file: String, reason: String)
    /// The file could not be written.
    case unwritable(file: String, reason: String)
    /// The path is neither a `.safetensors` file, a directory holding one (or a shard index), nor a
    /// LoRA adapter directory.
    case notACheckpoint(path: String, reason: String)

    // MARK: Safetensors header

    /// Shorter than the 8-byte header length.
    case fileTooSmall(file: String, size: Int)
    /// The header length exceeds ``SafetensorsFile/maximumHeaderLength`` (100 MB, as the reference reader).
    case headerTooLarge(file: String, length: UInt64)
    /// 8 + header length is past the end of the file.
    case headerBeyondFile(file: String, length: UInt64, fileSize: Int)
    /// The header bytes are not UTF-8.
    case headerNotUTF8(file: String)
    /// The header is not valid JSON, not an object, or an entry lacks a field or has one of the wrong
    /// type; `tensor` is the entry being read when known.
    case malformedHeader(file: String, tensor: String?, reason: String)
    /// `dtype` is not one of ``DType``.
    case unknownDType(file: String, tensor: String, dtype: String)
    /// A dimension is negative or not an integer.
    case invalidShape(file: String, tensor: String, reason: String)
    /// The element count or byte length of `shape` overflows a 64-bit integer.
    case shapeOverflow(file: String, tensor: String, dtype: DType, shape: [Int])
    /// `data_offsets` is not two non-negative integers with begin ≤ end.
    case invalidOffsets(file: String, tensor: String, reason: String)
    /// `data_offsets` spans a different number of bytes than dtype × shape needs.
    case byteLengthMismatch(file: String, tensor: String, dtype: DType, shape: [Int], offsets: Range<Int>)
    /// `data_offsets` ends past the data buffer (file size − 8 − header length).
    case offsetsBeyondData(file: String, tensor: String, offsets: Range<Int>, dataSize: Int)
    /// Two tensors share bytes.
    case overlappingTensors(file: String, tensor: String, previous: String, offsets: Range<Int>, previousEnd: Int)
    /// Bytes between two tensors (or before the first) belong to none.
    case gapBeforeTensor(file: String, tensor: String, previous: String?, offsets: Range<Int>, previousEnd: Int)
    /// The tensors end before the data buffer does.
    case trailingData(file: String, lastTensor: String?, dataEnd: Int, dataSize: Int)
    /// `__metadata__` is not an object of string values.
    case invalidMetadata(file: String, key: String?, reason: String)

    // MARK: Tensor access

    /// The file is shorter than the header promised when the tensor (nil: the header) is read
    /// (truncated or shrunk after opening).
    case truncated(file: String, tensor: String?, needed: Int, fileSize: Int)
    /// No tensor by that name.
    case tensorNotFound(file: String, tensor: String)
    /// The tensor's values cannot be stored in the requested dtype.
    case unencodable(file: String, tensor: String, dtype: DType, reason: String)

    // MARK: Sharded checkpoints

    /// `model.safetensors.index.json` is not a valid index.
    case invalidShardIndex(file: String, reason: String)
    /// A shard named in the index's `weight_map` does not exist.
    case missingShard(index: String, shard: String, tensor: String)
    /// The index places a tensor in a shard that does not contain it.
    case tensorNotInShard(index: String, shard: String, tensor: String)

    // MARK: LoRA adapters

    /// The adapter is valid PEFT but of a kind not analysed here (DoRA, `.bin`, another `peft_type`).
    case unsupportedAdapter(path: String, reason: String)
    /// `adapter_config.json` is missing a field or has one of the wrong type.
    case invalidAdapterConfig(file: String, reason: String)
    /// The adapter's tensors do not form valid LoRA factors for `tensor` (a module name).
    case invalidAdapter(file: String, tensor: String, reason: String)

    // MARK: Families

    /// A fine-tune's tensor has a different shape than the base's.
    case shapeMismatch(baseFile: String, modelFile: String, tensor: String, baseShape: [Int], modelShape: [Int])
    /// More than one name-prefix mapping explains a fine-tune's names equally well.
    case ambiguousPrefixMapping(model: String, candidates: [String])
    /// No tensor name of the fine-tune matches the base, even after prefix mapping.
    case noCommonTensors(base: String, model: String)
    /// A LoRA adapter updates weights the base does not have (an adapter for another model or another
    /// slice of it): analysing the rest would silently drop part of the fine-tune.
    case unmatchedAdapterModules(adapter: String, base: String, modules: [String])
    /// The model list or task names are unusable (empty, counts differ, duplicate names).
    case invalidFamily(reason: String)
    /// A layer query matches no tensor; `candidates` are the closest names.
    case layerNotFound(query: String, candidates: [String])
    /// A layer query is a suffix of several tensor names.
    case ambiguousLayer(query: String, matches: [String])
    /// A matrix operation was asked of a tensor that is not 2-D.
    case notAMatrix(tensor: String, shape: [Int])
    /// A quantized tensor that cannot be turned into the weight's values (no scale, a scale of unknown
    /// layout) or a checkpoint of packed quantized weights (GPTQ, AWQ, bitsandbytes).
    case quantized(file: String, tensor: String, reason: String)
    /// The `config.json` beside the base cannot be read as a JSON object.
    case invalidModelConfig(file: String, reason: String)
    /// A tokenizer file (`tokenizer.json`, `tokenizer_config.json`, vocab or merges) cannot be read, is
    /// malformed, or is of a kind not known (`reason` says which).
    case invalidTokenizer(file: String, reason: String)
    /// Two sources disagree on whether a weight is stored in × out (model type or pattern vs an adapter's
    /// `fan_in_fan_out`): its update would be applied transposed.
    case layoutConflict(tensor: String, reason: String)

    // MARK: Hugging Face cache and PyTorch files

    /// A repo id (`org/name[@revision]`, no such local path) is not usable from the Hub cache at `cache`;
    /// `command` would download it.
    case notInHubCache(repo: String, cache: String, reason: String, command: String)
    /// A PyTorch file breaks a rule of the zip container or of its pickle (`reason` says which).
    case invalidTorchFile(file: String, reason: String)
    /// The pickle calls a global that loading weights does not need (the reader never runs it).
    case refusedGlobal(file: String, global: String)
    /// A PyTorch file of a format not read here: legacy pre-1.6 serialization, or not a torch file.
    case unsupportedTorchFormat(file: String, reason: String)
    /// A tensor of a PyTorch file cannot be rebuilt from its storage (bounds, dtype, layout).
    case invalidTorchTensor(file: String, tensor: String, reason: String)

    /// One line: file, tensor (when there is one), rule broken.
    /// The rule an adapter breaks when `modules` (weight names) are not weights of `base`: their updates
    /// would be dropped. Shared by the loader and the compatibility check.
    static func unmatchedModules(base: String, modules: [String]) -> String {
        "\(modules.count) adapted module(s) update weights the base \(base) does not have (\(modules.prefix(3).joined(separator: ", "))\(modules.count > 3 ? ", …" : "")); the adapter does not fit this base"
    }

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read: \(reason)"
        case let .unwritable(file, reason): return "\(file): cannot write: \(reason)"
        case let .notACheckpoint(path, reason): return "\(path): not a checkpoint: \(reason)"
        case let .fileTooSmall(file, size): return "\(file): \(size) bytes is too small for a safetensors file (the header length alone is 8)"
        case let .headerTooLarge(file, length): return "\(file): header length \(length) exceeds the \(SafetensorsFile.maximumHeaderLength)-byte limit"
        case let .headerBeyondFile(file, length, size): return "\(file): header length \(length) runs past the end of the \(size)-byte file"
        case let .headerNotUTF8(file): return "\(file): header is not valid UTF-8"
        case let .malformedHeader(file, tensor, reason): return "\(file): \(tensor.map { "tensor \(Self.quoted($0)): " } ?? "")\(reason)"
        case let .unknownDType(file, tensor, dtype): return "\(file): tensor \(Self.quoted(tensor)): unknown dtype \(Self.quoted(dtype))"
        case let .invalidShape(file, tensor, reason): return "\(file): tensor \(Self.quoted(tensor)): invalid shape: \(reason)"
        case let .shapeOverflow(file, tensor, dtype, shape): return "\(file): tensor \(Self.quoted(tensor)): size of \(dtype.rawValue) \(shape) overflows 64 bits"
        case let .invalidOffsets(file, tensor, reason): return "\(file): tensor \(Self.quoted(tensor)): invalid data_offsets: \(reason)"
        case let .byteLengthMismatch(file, tensor, dtype, shape, offsets):
            let needed = shape.reduce(1, &*) &* dtype.byteSize
            return "\(file): tensor \(Self.quoted(tensor)): data_offsets \(render(offsets)) cover \(offsets.count) bytes"
                + " but \(dtype.rawValue) \(shape) needs \(needed)"
        case let .offsetsBeyondData(file, tensor, offsets, size):
            return "\(file): tensor \(Self.quoted(tensor)): data_offsets \(render(offsets)) run past the end of the \(size)-byte data buffer"
        case let .overlappingTensors(file, tensor, previous, offsets, previousEnd):
            return "\(file): tensor \(Self.quoted(tensor)): data_offsets \(render(offsets)) overlap tensor \(Self.quoted(previous)), which ends at \(previousEnd)"
        case let .gapBeforeTensor(file, tensor, previous, offsets, previousEnd):
            let after = previous.map { "tensor \(Self.quoted($0)) ends" } ?? "the data buffer starts"
            return "\(file): tensor \(Self.quoted(tensor)): data_offsets \(render(offsets)) leave a hole: \(after) at \(previousEnd)"
        case let .trailingData(file, last, end, size):
            let what = last.map { "the last tensor \(Self.quoted($0)) ends" } ?? "there are no tensors, data ends"
            return "\(file): \(what) at \(end) but the data buffer has \(size) bytes"
        case let .invalidMetadata(file, key, reason): return "\(file): __metadata__\(key.map { " key \(Self.quoted($0))" } ?? ""): \(reason)"
        case let .truncated(file, tensor, needed, size):
            let what = tensor.map { "tensor \(Self.quoted($0))" } ?? "header"
            return "\(file): \(what): file is truncated: needs bytes up to \(needed) but the file has \(size)"
        case let .tensorNotFound(file, tensor): return "\(file): tensor \(Self.quoted(tensor)): no such tensor"
        case let .unencodable(file, tensor, dtype, reason): return "\(file): tensor \(Self.quoted(tensor)): cannot store as \(dtype.rawValue): \(reason)"
        case let .invalidShardIndex(file, reason): return "\(file): invalid shard index: \(reason)"
        case let .missingShard(index, shard, tensor): return "\(index): tensor \(Self.quoted(tensor)): shard \(Self.quoted(shard)) does not exist"
        case let .tensorNotInShard(index, shard, tensor): return "\(index): tensor \(Self.quoted(tensor)): not found in its shard \(Self.quoted(shard))"
        case let .unsupportedAdapter(path, reason): return "\(path): unsupported adapter: \(reason)"
        case let .invalidAdapterConfig(file, reason): return "\(file): invalid adapter config: \(reason)"
        case let .invalidAdapter(file, tensor, reason): return "\(file): module \(Self.quoted(tensor)): \(reason)"
        case let .shapeMismatch(baseFile, modelFile, tensor, baseShape, modelShape):
            return "\(modelFile): tensor \(Self.quoted(tensor)): shape \(modelShape) differs from \(baseShape) in the base \(baseFile)"
        case let .ambiguousPrefixMapping(model, candidates):
            return "\(model): tensor names match the base equally well under several prefix mappings: \(candidates.joined(separator: "; "))"
        case let .noCommonTensors(base, model): return "\(model): no tensor name matches the base \(base), even after prefix mapping"
        case let .unmatchedAdapterModules(adapter, base, modules):
            return "\(adapter): \(Self.unmatchedModules(base: base, modules: modules))"
        case let .invalidFamily(reason): return "invalid model family: \(reason)"
        case let .quantized(file, tensor, reason): return "\(file): tensor \(tensor): quantized: \(reason)"
        case let .invalidModelConfig(file, reason): return "\(file): invalid model config: \(reason)"
        case let .invalidTokenizer(file, reason): return "\(file): invalid tokenizer: \(reason)"
        case let .layoutConflict(tensor, reason): return "\(tensor): inconsistent weight layout: \(reason)"
        case let .layerNotFound(query, candidates):
            return "no tensor matches \(Self.quoted(query))" + (candidates.isEmpty ? "" : "; closest: \(candidates.joined(separator: ", "))")
        case let .ambiguousLayer(query, matches): return "\(Self.quoted(query)) matches several tensors: \(matches.joined(separator: ", "))"
        case let .notAMatrix(tensor, shape): return "tensor \(Self.quoted(tensor)): shape \(shape) is not 2-D"
        case let .notInHubCache(repo, cache, reason, command):
            return "\(repo): no such file or directory, and not in the Hugging Face cache \(cache): \(reason); nothing is downloaded, fetch it with: \(command)"
        case let .invalidTorchFile(file, reason): return "\(file): invalid PyTorch file: \(reason)"
        case let .refusedGlobal(file, global):
            return "\(file): refused global \(Self.quoted(global)): only tensors, storages and ordered dicts are loaded (as torch.load(weights_only=True)); convert the file to safetensors with a trusted torch"
        case let .unsupportedTorchFormat(file, reason): return "\(file): unsupported PyTorch file: \(reason)"
        case let .invalidTorchTensor(file, tensor, reason): return "\(file): tensor \(Self.quoted(tensor)): \(reason)"
        }
    }
}

extension CheckpointError {
    /// `text` in double quotes, with quotes, backslashes and control characters escaped so a message
    /// stays on one line.
    static func quoted(_ text: String) -> String { String(reflecting: text) }
}

private func render(_ offsets: Range<Int>) -> String { "[\(offsets.lowerBound), \(offsets.upperBound)]" }
