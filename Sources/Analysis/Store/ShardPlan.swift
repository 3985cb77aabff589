/// The deterministic, cost-balanced split of a selection into shards.
///
/// Each tensor's cost is an estimate of its analysis time in flop-equivalents:
/// - a 2-D linear weight m×n (r = min(m, n)) with T models: (T + 1)·4·m·n·r flops (one factorization
///   of W_pre and one of each update, each O(m·n·r)) plus the bytes read, (T + 1)·m·n·4, at
///   ``flopsPerByte`` each;
/// - any other tensor: its bytes read only.
///
/// Tensors are dealt largest cost first (ties: checkpoint order) to the shard with the least cost so far
/// (ties: lowest index) — greedy longest-processing-time, within 4/3 of the best split. Every process
/// computes the same plan from the same selection, so shards need no coordination.
public enum ShardPlan {
    /// The flops one byte read is worth: ≈ 50 GFLOP/s of BLAS over ≈ 0.5 GB/s of reading and decoding.
    public static let flopsPerByte = 100.0

    /// The estimated cost of one tensor of `shape` with `models` fine-tuned models.
    public static func cost(shape: [Int], isLinearWeight: Bool, models: Int) -> Double {
        let elements = Double(shape.reduce(1, *)), inputs = Double(models + 1)
        let reading = inputs * elements * 4 * flopsPerByte
        guard shape.count == 2, isLinearWeight else { return reading }
        return inputs * 4 * elements * Double(shape.min() ?? 0) + reading
    }

    /// For each tensor (by position in `costs`), the shard it belongs to, out of `count`.
    public static func assignment(costs: [Double], count: Int) -> [Int] {
        precondition(count >= 1)
        let order = costs.indices.sorted { costs[$0] != costs[$1] ? costs[$0] > costs[$1] : $0 < $1 }
        var loads = Array(repeating: 0.0, count: count)
        var shards = Array(repeating: 0, count: costs.count)
        for tensor in order {
            let lightest = loads.indices.min { loads[$0] != loads[$1] ? loads[$0] < loads[$1] : $0 < $1 }!
            shards[tensor] = lightest
            loads[lightest] += costs[tensor]
        }
        return shards
    }
}
