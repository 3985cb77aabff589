extension MergeVerdict {
    /// The verdict on merging only `tasks` (indices into the family), read from the family's objective,
    /// cosines and top-zone energies restricted to that subset: no new factorization.
    public init(subset tasks: [Int], of interference: TaskInterference, cosine: [[Double]], topEnergy: [Double], taskNames: [String], scope: String, thresholds: VerdictThresholds) {
        let gram = tasks.map { i in tasks.map { j in tasks.map { k in interference.gram[i][j][k] } } }
        self.init(
            interference: TaskInterference(gram: gram, ranks: tasks.map { interference.ranks[$0] }, energyFraction: interference.energyFraction),
            cosine: tasks.map { i in tasks.map { cosine[i][$0] } }, topEnergy: tasks.map { topEnergy[$0] },
            taskNames: tasks.map { taskNames[$0] }, scope: scope, thresholds: thresholds)
    }
}
