import Foundation

/// A full model checkpoint in safetensors form: one file, or a Hugging Face directory holding
/// `model.safetensors` or a sharded `model.safetensors.index.json` with its shards.
///
/// Opening reads only headers (milliseconds even for multi-GB checkpoints); tensors are read one at a
/// time on request. Directory resolution, in order: `model.safetensors`; `model.safetensors.index.json`;
/// otherwise the directory's only `.safetensors` file. A directory with just `pytorch_model.bin` or a LoRA
/// adapter is refused with a ``CheckpointError/notACheckpoint(path:reason:)`` that says so.
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
    /// The safetensors files: one, or the shards in name order.
    public let files: [SafetensorsFile]
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
    public func file(containing name: String) -> SafetensorsFile? {
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
        let files: [SafetensorsFile]
        let tensors: [TensorInfo]
        let fileIndex: [String: Int]
    }

    private static func layout(of url: URL) throws -> Layout {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CheckpointError.unreadable(file: url.relativePath, reason: "no such file or directory")
        }
        guard isDirectory.boolValue else { return try single(url) }
        let single = url.appendingPathComponent("model.safetensors")
        let index = url.appendingPathComponent("model.safetensors.index.json")
        if FileManager.default.fileExists(atPath: single.path) { return try Self.single(single) }
        if FileManager.default.fileExists(atPath: index.path) { return try shards(index: index, directory: url) }
        return try Self.single(try onlySafetensorsFile(in: url))
    }

    private static func single(_ url: URL) throws -> Layout {
        let file = try SafetensorsFile(url: url)
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
            return try SafetensorsFile(url: shardURL)
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

    private static func onlySafetensorsFile(in directory: URL) throws -> URL {
        let path = directory.relativePath
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        if names.contains("adapter_config.json") {
            throw CheckpointError.notACheckpoint(path: path, reason: "this is a LoRA adapter directory (adapter_config.json), not a full checkpoint")
        }
        let candidates = names.filter { $0.hasSuffix(".safetensors") }.sorted()
        if candidates.count == 1 { return directory.appendingPathComponent(candidates[0]) }
        if candidates.isEmpty, names.contains(where: { $0.hasSuffix(".bin") || $0.hasSuffix(".pt") || $0.hasSuffix(".pth") }) {
            throw CheckpointError.notACheckpoint(path: path, reason: "only safetensors checkpoints are supported (found PyTorch pickle files)")
        }
        let found = candidates.isEmpty ? "none" : candidates.joined(separator: ", ")
        throw CheckpointError.notACheckpoint(
            path: path, reason: "expected model.safetensors, model.safetensors.index.json or exactly one .safetensors file (found \(found))")
    }
}
