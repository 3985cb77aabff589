/// How well one layer's router routes, for its gate rank and for FusionBench's default gate rank 1, on
/// the same ``RoutingProbes`` (task probes of rank p, and neutral probes).
///
/// Routing accuracy of expert i at gate rank g: the fraction of its task probes whose most probable
/// expert (the first of the top-k) is i, under the router ‖V_{j,:g}ᵀ x‖₂ → softmax. With
/// `--gate-k auto`, ``search`` records the smallest g whose mean accuracy reaches the target.
public struct LayerRouting: Codable, Sendable, Equatable {
    /// The `--gate-k auto` search of one layer.
    public struct Search: Codable, Sendable, Equatable {
        /// The mean accuracy required.
        public var target: Double
        /// Whether some g ≤ the limit reached it (else the most accurate g was taken).
        public var reached: Bool
        /// Mean accuracy for g = 1, 2, … up to the limit (min(p, m, n)), stopping at the first that reaches the target.
        public var meanAccuracyByGateK: [Double]
    }

    /// p, the task-probe rank.
    public var probeRank: Int
    /// Probes per expert (and neutral probes).
    public var samples: Int
    /// The layer's gate rank.
    public var gateK: Int
    /// Accuracy per expert at ``gateK`` (nil: expert without probes).
    public var accuracy: [Double?]
    /// Their mean.
    public var meanAccuracy: Double?
    /// FusionBench's default gate rank, 1.
    public var defaultGateK: Int
    /// Accuracy per expert at ``defaultGateK``.
    public var defaultAccuracy: [Double?]
    /// Their mean.
    public var defaultMeanAccuracy: Double?
    /// Neutral probes at ``gateK``.
    public var neutral: NeutralRouting?
    /// Neutral probes at ``defaultGateK``.
    public var neutralDefault: NeutralRouting?
    /// The auto search, when used.
    public var search: Search?
}

extension LayerRouting {
    /// Mean accuracy per gate rank g = 1…`limit` (the first that reaches `target` ends the scan when
    /// `target` is given), from one product of the probes with the rank-`limit` gate.
    static func meanAccuracies(_ probes: RoutingProbes, decompositions: [UpdateDecomposition], limit: Int, topK: Int, target: Double?) -> [Double] {
        let full = SmileGate(decompositions: decompositions, gateRank: limit)
        let projections = probes.taskInputs.multiplied(by: full.weights, transposingOther: true)
        var means = [Double]()
        for g in 1...Swift.max(1, full.gateRank) {
            let mean = Self.mean(accuracy(probes, routing: SmileRouting(logits: full.logits(projections: projections, using: g), topK: topK)))
            means.append(mean ?? 0)
            if let target, let mean, mean >= target { break }
        }
        return means
    }

    /// The smallest g ≤ `limit` whose mean accuracy reaches `target`, else the most accurate (smallest) g.
    static func search(_ probes: RoutingProbes, decompositions: [UpdateDecomposition], limit: Int, topK: Int, target: Double) -> (gateK: Int, search: Search) {
        let means = meanAccuracies(probes, decompositions: decompositions, limit: limit, topK: topK, target: target)
        let reached = (means.last ?? 0) >= target
        let best = reached ? means.count : (means.indices.max { means[$0] < means[$1] || (means[$0] == means[$1] && $0 > $1) }.map { $0 + 1 } ?? 1)
        return (best, Search(target: target, reached: reached, meanAccuracyByGateK: means))
    }

    /// Measures gate rank `gateK` and the default against `probes`.
    init(_ probes: RoutingProbes, decompositions: [UpdateDecomposition], gateK: Int, topK: Int, samples: Int, search: Search?) {
        func measure(_ g: Int) -> ([Double?], NeutralRouting?) {
            let gate = SmileGate(decompositions: decompositions, gateRank: g)
            let task = SmileRouting(logits: gate.logits(probes.taskInputs), topK: topK)
            let neutral = probes.neutralInputs.rows > 0 ? NeutralRouting(SmileRouting(logits: gate.logits(probes.neutralInputs), topK: topK)) : nil
            return (Self.accuracy(probes, routing: task), neutral)
        }
        let (accuracy, neutral) = measure(gateK)
        let (defaultAccuracy, neutralDefault) = measure(1)
        self.init(
            probeRank: probes.probeRanks.max() ?? 0, samples: samples, gateK: gateK, accuracy: accuracy, meanAccuracy: Self.mean(accuracy),
            defaultGateK: 1, defaultAccuracy: defaultAccuracy, defaultMeanAccuracy: Self.mean(defaultAccuracy),
            neutral: neutral, neutralDefault: neutralDefault, search: search)
    }

    /// Per expert: hits / probes (nil without probes).
    static func accuracy(_ probes: RoutingProbes, routing: SmileRouting) -> [Double?] {
        probes.probeRanks.indices.map { i in
            let rows = probes.owners.indices.filter { probes.owners[$0] == i }
            guard !rows.isEmpty else { return nil }
            return Double(rows.filter { routing.selected[$0].first == i }.count) / Double(rows.count)
        }
    }

    /// The mean of the non-nil values.
    static func mean(_ values: [Double?]) -> Double? {
        let present = values.compactMap { $0 }
        return present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
    }
}
