/// One part of a family run: shard ``index`` of ``count`` (0 ≤ index < count).
///
/// Each shard analyses the tensors ``ShardPlan`` assigns to it and writes their records to a shared
/// ``ResultsStore``; the shards' parts are disjoint and together cover the selection.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    /// 0-based.
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1 else { throw StoreError.invalidShard("the shard count must be at least 1, got \(count)") }
        guard (0..<count).contains(index) else { throw StoreError.invalidShard("shard index \(index) is outside 0…\(count - 1) (shards count from 0)") }
        self.index = index
        self.count = count
    }

    /// Parses `i/N`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw StoreError.invalidShard("expected i/N (e.g. 0/4) or auto, got \"\(text)\"")
        }
        try self.init(index: index, count: count)
    }

    /// The shard a scheduler assigned to this process, read from `environment`:
    /// - Slurm job arrays: `SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` (0 when unset) of
    ///   `SLURM_ARRAY_TASK_COUNT` (`count` overrides it); the array must be contiguous (no `:step`).
    /// - Kubernetes Indexed Jobs: `JOB_COMPLETION_INDEX` of `count` (the Job's `completions`, which
    ///   Kubernetes does not export: pass `--shard-count`).
    public static func automatic(environment: [String: String], count: Int?) throws -> Shard {
        if let id = environment["SLURM_ARRAY_TASK_ID"].flatMap({ Int($0) }) {
            let minimum = environment["SLURM_ARRAY_TASK_MIN"].flatMap { Int($0) } ?? 0
            guard let total = count ?? environment["SLURM_ARRAY_TASK_COUNT"].flatMap({ Int($0) }) else {
                throw StoreError.invalidShard("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; pass --shard-count")
            }
            return try Shard(index: id - minimum, count: total)
        }
        if let index = environment["JOB_COMPLETION_INDEX"].flatMap({ Int($0) }) {
            guard let count else { throw StoreError.invalidShard("JOB_COMPLETION_INDEX is set: pass the Job's completions as --shard-count") }
            return try Shard(index: index, count: count)
        }
        throw StoreError.invalidShard("auto needs SLURM_ARRAY_TASK_ID (a Slurm job array) or JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)")
    }

    public var description: String { "\(index)/\(count)" }
}
