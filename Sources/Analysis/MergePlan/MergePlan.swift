/// Which models to fuse, in which groups, with which weights: a plan read from the whole-model objective.
///
/// Every subset of ≥ 2 models is judged from the summed per-layer statistics alone (the model's Gram tensor,
/// task-vector cosines, top-zone energies; no new SVDs) with the same signals and thresholds as the
/// model verdict, minus the per-layer signal (a subset's layers are not re-judged). For T ≤ 12 every
/// subset is judged; beyond, subsets are grown greedily from every model (add the model that keeps the set
/// mergeable at the lowest worst residual, until none does).
///
/// - ``largestMergeable``: the mergeable subsets of the largest size found, best (lowest worst residual)
///   first, at most ``listLimit``.
/// - ``groups``: a partition of the models: repeatedly the largest mergeable subset of the models left
///   (ties: lowest worst residual), until no two left models are mergeable; each group with λ* and w*.
/// - ``experts``: the models in no group — candidates for SMILE experts rather than a merge.
public struct MergePlan: Codable, Sendable, Equatable {
    /// One judged subset.
    public struct Group: Codable, Sendable, Equatable {
        /// Model names, in family order.
        public var tasks: [String]
        /// Their indices in the family.
        public var indices: [Int]
        /// The subset's level from the model-level signals.
        public var level: Mergeability
        /// Uniform task-arithmetic scale λ* and Lᵢ(λ*) per task.
        public var lambdaStar: Double?
        public var residuals: [Double]
        /// max Lᵢ(λ*).
        public var worstResidual: Double
        /// Per-model weights w* and Lᵢ(w*) (data-free estimates).
        public var weights: TaskWeights?
        /// The expected share of accuracy kept at λ*, from the worst residual.
        public var retention: RetentionEstimate
        /// The subset's signals (residual, cosine, top energy over its members), worst first: what
        /// ``level`` rests on.
        public var signals: [MergeVerdict.Signal]
        /// The name of the signal that decided ``level``; nil when mergeable (no signal reached risky).
        public var decidingSignal: String?
    }

    /// The most subsets of one size listed in ``largestMergeable``.
    public static let listLimit = 8
    /// Above this many models the search is greedy.
    public static let exhaustiveLimit = 12

    /// `exhaustive` or `greedy`.
    public var search: String
    /// How many subsets were judged.
    public var subsetsJudged: Int
    /// The mergeable subsets of the largest size found (empty when no pair is mergeable).
    public var largestMergeable: [Group]
    /// The partition's groups of ≥ 2 models.
    public var groups: [Group]
    /// Models in no group: SMILE-expert candidates.
    public var experts: [String]

    /// Plans the merge of a family from its whole-model signals.
    /// - Parameters:
    ///   - interference: the model's combined objective (``TaskInterference/combined(_:)``).
    ///   - cosine, topEnergy: the model's task-vector cosines and ‖ΔW‖²-weighted E_I per task.
    ///   - ridge: passed to ``TaskInterference/optimalWeights(of:ridge:)`` for each reported group.
    public init(interference: TaskInterference, cosine: [[Double]], topEnergy: [Double], taskNames: [String], thresholds: VerdictThresholds, ridge: Double = 0) {
        let t = taskNames.count
        var judged = [[Int]: (level: Mergeability, worst: Double, verdict: MergeVerdict)]()
        func judge(_ tasks: [Int]) -> (level: Mergeability, worst: Double, verdict: MergeVerdict) {
            if let known = judged[tasks] { return known }
            let scope = tasks.map { taskNames[$0] }.joined(separator: " + ")
            let verdict = MergeVerdict(subset: tasks, of: interference, cosine: cosine, topEnergy: topEnergy, taskNames: taskNames, scope: scope, thresholds: thresholds)
            let result = (verdict.level, interference.merge(of: tasks).residuals.max() ?? 0, verdict)
            judged[tasks] = result
            return result
        }
        func better(_ a: [Int], _ b: [Int]) -> Bool {
            a.count != b.count ? a.count > b.count : judge(a).worst != judge(b).worst ? judge(a).worst < judge(b).worst : a.lexicographicallyPrecedes(b)
        }
        /// The mergeable subsets of `pool` with ≥ 2 models, exhaustively or grown greedily.
        func mergeable(in pool: [Int]) -> [[Int]] {
            guard pool.count >= 2 else { return [] }
            if t <= Self.exhaustiveLimit {
                return (1..<(1 << pool.count)).compactMap { mask -> [Int]? in
                    let subset = pool.indices.filter { mask & (1 << $0) != 0 }.map { pool[$0] }
                    return subset.count >= 2 && judge(subset).level == .mergeable ? subset : nil
                }
            }
            var found = Set<[Int]>()
            for seed in pool {
                var current = [seed]
                while true {
                    let next = pool.filter { !current.contains($0) }.map { (current + [$0]).sorted() }
                        .filter { judge($0).level == .mergeable }
                        .min { judge($0).worst < judge($1).worst }
                    guard let next else { break }
                    current = next
                    found.insert(current)
                }
            }
            return Array(found)
        }
        func group(_ tasks: [Int]) -> Group {
            let merge = interference.merge(of: tasks)
            let worst = merge.residuals.max() ?? 0
            let verdict = judge(tasks).verdict
            return Group(
                tasks: tasks.map { taskNames[$0] }, indices: tasks, level: verdict.level, lambdaStar: merge.lambdaStar,
                residuals: merge.residuals, worstResidual: worst, weights: interference.optimalWeights(of: tasks, ridge: ridge),
                retention: RetentionEstimate(worstResidual: worst), signals: verdict.signals, decidingSignal: verdict.deciding?.name)
        }

        let all = mergeable(in: Array(0..<t)).sorted(by: better)
        let largest = all.first?.count ?? 0
        largestMergeable = all.filter { $0.count == largest }.prefix(Self.listLimit).map(group)
        var left = Array(0..<t), groups = [Group]()
        while let best = mergeable(in: left).min(by: better) {
            groups.append(group(best))
            left.removeAll { best.contains($0) }
        }
        self.groups = groups
        experts = left.map { taskNames[$0] }
        search = t <= Self.exhaustiveLimit ? "exhaustive" : "greedy"
        subsetsJudged = judged.count
    }
}
