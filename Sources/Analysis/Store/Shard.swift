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
    /// - Slurm job arrays: shard `SLURM_ARRAY_TASK_ID` (array indices are shard indices, from 0) of
    ///   `count`; without `count`, of `SLURM_ARRAY_TASK_COUNT` only when the array is the whole 0…N−1
    ///   (`SLURM_ARRAY_TASK_MIN` 0 and `SLURM_ARRAY_TASK_MAX` N−1). Any other array — a resubmitted index
    ///   (`--array=1`), an offset or a `:step` — cannot tell N, so it is refused rather than read as a
    ///   smaller run (`--array=1` would otherwise be shard 0 of 1: the whole selection).
    /// - Kubernetes Indexed Jobs: `JOB_COMPLETION_INDEX` of `count` (the Job's `completions`, which
    ///   Kubernetes does not export: pass `--shard-count`).
    public static func automatic(environment: [String: String], count: Int?) throws -> Shard {
        func number(_ name: String) -> Int? { environment[name].flatMap { Int($0) } }
        if let id = number("SLURM_ARRAY_TASK_ID") {
            if let count { return try Shard(index: id, count: count) }
            guard let total = number("SLURM_ARRAY_TASK_COUNT") else {
                throw StoreError.invalidShard("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; pass --shard-count")
            }
            let minimum = number("SLURM_ARRAY_TASK_MIN") ?? 0, maximum = number("SLURM_ARRAY_TASK_MAX") ?? total - 1
            guard minimum == 0, maximum == total - 1 else {
                throw StoreError.invalidShard("this Slurm array (indices \(minimum)…\(maximum), \(total) tasks) is not 0…N−1, so it does not tell the shard count: pass --shard-count N (a resubmitted shard keeps the first run's N)")
            }
            return try Shard(index: id, count: total)
        }
        if let index = number("JOB_COMPLETION_INDEX") {
            guard let count else { throw StoreError.invalidShard("JOB_COMPLETION_INDEX is set: pass the Job's completions as --shard-count") }
            return try Shard(index: index, count: count)
        }
        throw StoreError.invalidShard("auto needs SLURM_ARRAY_TASK_ID (a Slurm job array) or JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)")
    }

    public var description: String { "\(index)/\(count)" }
}
