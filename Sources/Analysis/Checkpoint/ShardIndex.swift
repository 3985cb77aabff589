import Foundation

/// A Hugging Face shard index, `model.safetensors.index.json`: `{"metadata": {…}, "weight_map":
/// {"tensor name": "shard file name", …}}`.
///
/// Shard names must be plain relative paths inside the checkpoint directory (no absolute paths, no `..`).
struct ShardIndex {
    /// Tensor name → shard file name, in document order.
    let weightMap: [(tensor: String, shard: String)]

    /// Reads and validates the index at `url`.
    init(url: URL) throws {
        let path = url.relativePath
        func invalid(_ reason: String) -> CheckpointError { .invalidShardIndex(file: path, reason: reason) }
        let root = try JSONFile.read(url, invalid: invalid)
        guard root.members != nil else { throw invalid("not a JSON object") }
        guard let map = root["weight_map"]?.members else { throw invalid("missing \"weight_map\" object") }
        weightMap = try map.map { member in
            guard let shard = member.value.string else {
                throw invalid("tensor \(CheckpointError.quoted(member.key)) maps to \(member.value.summary), not a file name")
            }
            let components = shard.split(separator: "/", omittingEmptySubsequences: false)
            guard !shard.isEmpty, !shard.hasPrefix("/"), !components.contains("..") else {
                throw invalid("shard name \(CheckpointError.quoted(shard)) is not a file inside the checkpoint directory")
            }
            return (member.key, shard)
        }
        guard !weightMap.isEmpty else { throw invalid("\"weight_map\" is empty") }
    }
}
