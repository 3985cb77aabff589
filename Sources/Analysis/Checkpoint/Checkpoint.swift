import Foundation

/// A full model checkpoint: one file (safetensors, or a zip-format `torch.save` file, told apart by
/// content, see ``TensorFiles/open(_:)``), or a Hugging Face directory holding `model.safetensors` or a
/// sharded `model.safetensors.index.json` with its shards, or the same in PyTorch form.
///
/// Opening reads only headers (milliseconds even for multi-GB checkpoints; for PyTorch files the zip
/// directory and the pickle); tensors are read one at a time on request. Directory resolution, in order:
/// `model.safetensors`; `model.safetensors.index.json`; the directory's only `.safetensors` file;
/// `pytorch_model.bin`; `pytorch_model.bin.index.json`. A LoRA adapter directory is refused with a
/// ``CheckpointError/notACheckpoint(path:reason:)`` that says so.
///
/// For a sharded checkpoint every shard named in `weight_map` must exist
/// (``CheckpointError/missingShard(index:shard:tensor:)``) and contain the tensors mapped to it
/// (``CheckpointError/tensorNotInShard(index:shard:tensor:)``); tensors a shard holds beyond the map are
/// not part of the checkpoint, as in `transformers`.
public final class Checkpoint: Sendable {
    /// What was opened (file or directory).
    public let url: URL
    /// The shard index when the checkpoint is sharded, else nil.
    public let indexURL: URL?
    /// The tensor files: one, or the shards in name order.
    public let files: [any TensorFile]
    /// Every tensor across files, sorted by name.
    public let tensors: [TensorInfo]

    private let fileIndex: [String: Int]

    /// Opens the checkpoint at `url` (a `.safetensors` file or a directory).
    public init(url: URL) throws {
        self.url = url
        let layout = try Self.layout(of: url)
        (indexURL, files, tensors, fileIndex) = (layout.index, layout.files, layout.tensors, layout.fileIndex)
    }

    /// The path used in messages.
    public var displayPath: String { url.relativePath }

    /// The header entry for `name`, or nil.
    public func info(_ name: String) -> TensorInfo? {
        fileIndex[name].flatMap { files[$0].info(name) }
    }

    /// The file holding tensor `name`, or nil.
    public func file(containing name: String) -> (any TensorFile)? {
        fileIndex[name].map { files[$0] }
    }

    /// Reads tensor `name`, decoded to `Float` and, for a quantized weight, dequantized with its scale
    /// (see ``QuantizedWeights``). Throws ``CheckpointError/tensorNotFound(file:tensor:)`` naming the
    /// checkpoint when it has no such tensor, ``CheckpointError/quantized(file:tensor:reason:)`` for an
    /// F8 tensor without a usable scale.
    public func tensor(_ name: String) throws -> Tensor {
        guard let file = file(containing: name) else { throw CheckpointError.tensorNotFound(file: displayPath, tensor: name) }
        return try dequantized(name, stored: file.tensor(name))
    }

    /// Σ numel over all tensors.
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.numel } }

    /// Σ stored bytes over all tensors.
    public var byteCount: Int { tensors.reduce(0) { $0 + $1.byteCount } }

    /// Which files make up a checkpoint and where each tensor is.
    private struct Layout {
        let index: URL?
        let files: [any TensorFile]
        let tensors: [TensorInfo]
        let fileIndex: [String: Int]
    }

    private static func layout(of url: URL) throws -> Layout {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CheckpointError.unreadable(file: url.relativePath, reason: "no such file or directory")
        }
        guard isDirectory.boolValue else { return try single(url) }
        for (single, index) in [("model.safetensors", "model.safetensors.index.json"), ("pytorch_model.bin", "pytorch_model.bin.index.json")] {
            let singleURL = url.appendingPathComponent(single)
            let indexURL = url.appendingPathComponent(index)
            if FileManager.default.fileExists(atPath: singleURL.path) { return try Self.single(singleURL) }
            if FileManager.default.fileExists(atPath: indexURL.path) { return try shards(index: indexURL, directory: url) }
            if single == "model.safetensors", let only = try onlySafetensorsFile(in: url) { return try Self.single(only) }
        }
        throw notACheckpoint(url)
    }

    private static func single(_ url: URL) throws -> Layout {
        let file = try TensorFiles.open(url)
        return Layout(index: nil, files: [file], tensors: file.tensors, fileIndex: Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, 0) }))
    }

    private static func shards(index url: URL, directory: URL) throws -> Layout {
        let index = try ShardIndex(url: url)
        let shardNames = Array(Set(index.weightMap.map(\.shard))).sorted()
        let files = try shardNames.map { shard in
            let shardURL = directory.appendingPathComponent(shard)
            guard FileManager.default.fileExists(atPath: shardURL.path) else {
                let tensor = index.weightMap.first { $0.shard == shard }!.tensor
                throw CheckpointError.missingShard(index: url.relativePath, shard: shard, tensor: tensor)
            }
            return try TensorFiles.open(shardURL)
        }
        let position = Dictionary(uniqueKeysWithValues: shardNames.enumerated().map { ($1, $0) })
        var fileIndex = [String: Int]()
        var tensors = [TensorInfo]()
        for (tensor, shard) in index.weightMap {
            let file = position[shard]!
            guard let info = files[file].info(tensor) else {
                throw CheckpointError.tensorNotInShard(index: url.relativePath, shard: shard, tensor: tensor)
            }
            fileIndex[tensor] = file
            tensors.append(info)
        }
        return Layout(index: url, files: files, tensors: tensors.sorted { $0.name < $1.name }, fileIndex: fileIndex)
    }

    /// The directory's only `.safetensors` file; nil when it has none; an error when it has several or
    /// the directory is a LoRA adapter.
    private static func onlySafetensorsFile(in directory: URL) throws -> URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        if names.contains("adapter_config.json") {
            throw CheckpointError.notACheckpoint(path: directory.relativePath, reason: "this is a LoRA adapter directory (adapter_config.json), not a full checkpoint")
        }
        let candidates = names.filter { $0.hasSuffix(".safetensors") }.sorted()
        if candidates.count == 1 { return directory.appendingPathComponent(candidates[0]) }
        if candidates.isEmpty { return nil }
        throw CheckpointError.notACheckpoint(
            path: directory.relativePath, reason: "expected model.safetensors, model.safetensors.index.json or exactly one .safetensors file (found \(candidates.joined(separator: ", ")))")
    }

    /// Why a directory with no checkpoint file is not one.
    private static func notACheckpoint(_ directory: URL) -> CheckpointError {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let pickles = names.filter { $0.hasSuffix(".bin") || $0.hasSuffix(".pt") || $0.hasSuffix(".pth") }.sorted()
        let found = pickles.isEmpty ? "" : "; PyTorch files other than pytorch_model.bin are not guessed at, pass one as a file (found \(pickles.joined(separator: ", ")))"
        return .notACheckpoint(
            path: directory.relativePath,
            reason: "expected model.safetensors, model.safetensors.index.json, one .safetensors file, pytorch_model.bin or pytorch_model.bin.index.json\(found)")
    }
}
