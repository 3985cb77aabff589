/// Why a results store cannot be used; each message is one line naming the store and what is wrong.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// The store was written for other inputs, options or by another format/tool version.
    case mismatch(store: String, difference: String)
    /// The directory has no readable manifest (not a store, or a store whose first run never started).
    case notAStore(store: String, reason: String)
    /// The manifest exists but cannot be decoded.
    case corruptManifest(store: String, reason: String)
    /// The store holds no record for the tensor asked for.
    case tensorNotStored(store: String, tensor: String, candidates: [String])
    /// A `--shard` value that is not `i/N` with 0 ≤ i < N, or `auto` without its environment.
    case invalidShard(String)
    /// A report from the store alone was asked for with a computing option the store was not computed
    /// with (`difference` names the option and both values): it cannot be honoured without recomputing.
    case optionConflict(store: String, difference: String)

    public var description: String {
        switch self {
        case let .mismatch(store, difference):
            return "store \(store) was computed from other inputs or options (\(difference)); use another --store directory, or the inputs and options it was made with"
        case let .notAStore(store, reason):
            return "\(store) is not a results store: \(reason)"
        case let .corruptManifest(store, reason):
            return "store \(store) has an unreadable manifest.json: \(reason)"
        case let .tensorNotStored(store, tensor, candidates):
            return "store \(store) has no record for \(tensor)" + (candidates.isEmpty ? "" : "; stored names that come close: \(candidates.joined(separator: ", "))")
        case let .invalidShard(reason):
            return "invalid --shard: \(reason)"
        case let .optionConflict(store, difference):
            return "store \(store): \(difference); a report from the store alone cannot recompute: leave the option out, or give --base and --models to compute with it (into another --store)"
        }
    }
}
