import Foundation

/// The synthetic inputs that measure a SMILE router, built from the layer's decompositions (no data).
///
/// - **Task probes** of expert i: x = V_{i,:pᵢ} z, z ~ N(0, I_{pᵢ}), pᵢ = min(p, numerical rank of ΔWᵢ):
///   isotropic inputs in the subspace task i's rank-p expert acts on. A router that routes sends them to
///   expert i. Rows i·s ..< (i+1)·s of ``taskInputs`` (s = samples), none for a zero update.
/// - **Neutral probes**: x = V_{pre,:p} z from the pretrained weight's top-p input directions — inputs
///   the base model responds to most, where no task's update was written on purpose. A router should not
///   strongly prefer one expert there: see ``NeutralRouting``.
///
/// z comes from ``SplitMix64`` seeded with `seed`: task probes of expert 0, 1, …, then the neutral ones,
/// so the same layer and seed give the same probes whatever the gate rank.
public struct RoutingProbes: Sendable {
    /// All task probes stacked, (Σᵢ sᵢ)×n.
    public var taskInputs: MatrixF
    /// The expert each row of ``taskInputs`` belongs to.
    public var owners: [Int]
    /// pᵢ per expert (0: no probes).
    public var probeRanks: [Int]
    /// Neutral probes, s×n (0 rows when not requested).
    public var neutralInputs: MatrixF

    /// Probes for a layer with pretrained weight `weight` (m×n) and update decompositions `decompositions`.
    ///
    /// - Parameters:
    ///   - rank: p.
    ///   - samples: s per expert and for the neutral set.
    ///   - neutral: also draw neutral probes (costs the top-p SVD of W_pre).
    /// - Throws: ``LinearAlgebraError`` from W_pre's SVD.
    public init(weight: MatrixF, decompositions: [UpdateDecomposition], rank: Int, samples: Int, seed: UInt64, neutral: Bool, context: String) throws {
        var rng = SplitMix64(seed: seed)
        var rows = [Float](), owners = [Int](), ranks = [Int]()
        let n = weight.columns
        for (i, d) in decompositions.enumerated() {
            let p = Swift.min(Swift.max(1, rank), d.numericalRank)
            ranks.append(p)
            guard p > 0, samples > 0 else { continue }
            let z = rng.gaussianMatrix(samples, p)
            rows += z.multiplied(by: d.svd.vt.rows(0..<p)).elements
            owners += Array(repeating: i, count: samples)
        }
        taskInputs = MatrixF(rows: owners.count, columns: n, elements: rows)
        self.owners = owners
        probeRanks = ranks
        if neutral, samples > 0 {
            let top = try weight.topSingularTriplets(Swift.max(1, rank), context: context).decomposition.vt
            neutralInputs = rng.gaussianMatrix(samples, top.rows).multiplied(by: top)
        } else {
            neutralInputs = MatrixF(zeros: 0, n)
        }
    }
}

/// How a router spreads inputs that belong to no task (``RoutingProbes/neutralInputs``).
///
///     maxProbability  = mean over probes of maxᵢ pᵢ(x)                       (1/E: uniform, 1: one expert)
///     entropy         = mean over probes of −Σᵢ pᵢ log pᵢ / log E            (1: uniform, 0: one expert)
///     routedShare[i]  = fraction of probes whose most probable expert is i
///
/// pᵢ(x) is the router's softmax over all experts (before top-k).
public struct NeutralRouting: Codable, Sendable, Equatable {
    public var maxProbability: Double
    public var entropy: Double
    public var routedShare: [Double]

    /// Summarises the routing of neutral probes (nil for no probes).
    public init?(_ routing: SmileRouting) {
        let (count, experts) = (routing.probabilities.rows, routing.probabilities.columns)
        guard count > 0, experts > 0 else { return nil }
        var top = 0.0, entropy = 0.0
        var shares = [Double](repeating: 0, count: experts)
        for r in 0..<count {
            let p = routing.probabilities.row(r).map(Double.init)
            top += p.max() ?? 0
            entropy -= p.reduce(0) { $1 > 0 ? $0 + $1 * log($1) : $0 }
            if let first = routing.selected[r].first { shares[first] += 1 }
        }
        maxProbability = top / Double(count)
        self.entropy = experts > 1 ? entropy / Double(count) / log(Double(experts)) : 0
        routedShare = shares.map { $0 / Double(count) }
    }
}
