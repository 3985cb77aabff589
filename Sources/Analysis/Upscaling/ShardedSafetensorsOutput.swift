import Foundation

/// Collects tensors and writes them as one `model.safetensors`, or — when they exceed `maxShardBytes` —
/// as Hugging Face shards `model-0000i-of-0000N.safetensors` with `model.safetensors.index.json`
/// (`{"metadata": {"total_size": bytes}, "weight_map": {name: shard}}`), the layout ``Checkpoint`` and
/// `transformers` read.
///
/// Only the shard being filled is in memory: a full shard is written (through ``SafetensorsWriter``) as
/// soon as the next tensor would overflow it. Shards are written under provisional names and renamed
/// once their count is known, so this writes into a private staging directory (see ``StagedDirectory``).
struct ShardedSafetensorsOutput {
    let directory: URL
    let maxShardBytes: Int

    private var pending = [String: Tensor]()
    private var pendingTypes = [String: DType]()
    private var pendingBytes = 0
    private var written = [(file: String, names: [String])]()
    private(set) var totalBytes = 0
    private(set) var parameterCount = 0

    init(directory: URL, maxShardBytes: Int) {
        self.directory = directory
        self.maxShardBytes = maxShardBytes
    }

    /// Adds tensor `name` stored as `dtype`, writing the current shard first if it would overflow.
    mutating func add(_ name: String, _ tensor: Tensor, dtype: DType) throws {
        precondition(pending[name] == nil && !written.contains { $0.names.contains(name) }, "tensor \(name) written twice")
        let bytes = tensor.numel * dtype.byteSize
        if !pending.isEmpty && pendingBytes + bytes > maxShardBytes { try flush() }
        pending[name] = tensor
        pendingTypes[name] = dtype
        pendingBytes += bytes
        totalBytes += bytes
        parameterCount += tensor.numel
    }

    /// Writes what is pending and, for several shards, renames them and writes the index. Returns the
    /// file names written, shards in order.
    mutating func finish() throws -> [String] {
        if written.isEmpty {
            try SafetensorsWriter.write(pending, to: directory.appendingPathComponent("model.safetensors"), dtypes: pendingTypes)
            return ["model.safetensors"]
        }
        if !pending.isEmpty { try flush() }
        let count = written.count
        var weightMap = [String: String]()
        var files = [String]()
        for (i, shard) in written.enumerated() {
            let name = String(format: "model-%05d-of-%05d.safetensors", i + 1, count)
            let from = directory.appendingPathComponent(shard.file), to = directory.appendingPathComponent(name)
            guard rename(from.path, to.path) == 0 else { throw CheckpointError.unwritable(file: to.relativePath, reason: ReadOnlyFile.lastSystemError()) }
            for tensor in shard.names { weightMap[tensor] = name }
            files.append(name)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var index = try encoder.encode(ShardIndexFile(metadata: .init(totalSize: totalBytes), weightMap: weightMap))
        index.append(UInt8(ascii: "\n"))
        try AtomicFile.write(data: index, to: directory.appendingPathComponent("model.safetensors.index.json"))
        return files + ["model.safetensors.index.json"]
    }

    private mutating func flush() throws {
        let file = String(format: "model-part-%05d.safetensors", written.count + 1)
        try SafetensorsWriter.write(pending, to: directory.appendingPathComponent(file), dtypes: pendingTypes)
        written.append((file, pending.keys.sorted()))
        pending = [:]
        pendingTypes = [:]
        pendingBytes = 0
    }

    /// The JSON of `model.safetensors.index.json`.
    struct ShardIndexFile: Encodable {
        struct Metadata: Encodable {
            var totalSize: Int
            enum CodingKeys: String, CodingKey { case totalSize = "total_size" }
        }
        var metadata: Metadata
        var weightMap: [String: String]
        enum CodingKeys: String, CodingKey { case metadata, weightMap = "weight_map" }
    }
}
