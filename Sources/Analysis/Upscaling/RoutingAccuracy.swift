/// How well a layer's router sends a task's inputs to that task's expert, measured on synthetic probes.
///
/// For expert i, probes are drawn from the input subspace its update acts on:
///
///     x = V_{i,:p} z,   z ~ N(0, I_p) (seeded),   p = min(probe rank, rows of svhᵢ that are non-zero)
///
/// where V_{i,:p} is recovered from the stored expert itself (row j of svhᵢ is σⱼ vⱼᵀ, so vⱼ is that row
/// normalised): the measurement works on a layer read back from disk. The accuracy of expert i is the
/// fraction of its probes whose most probable expert (the first of the top-k) is i. It is nil for an
/// expert with no non-zero rows (an absent update).
///
/// With the default p = k the probes fill the whole kept subspace while the router sees only its top g
/// directions, so accuracy below 1 is expected for overlapping tasks; p = g probes exactly what the
/// router looks at.
public struct RoutingAccuracy: Codable, Sendable, Equatable {
    /// One fraction per expert (nil: no probe subspace).
    public var perExpert: [Double?]
    /// Probes drawn per expert.
    public var samples: Int
    /// The probe rank p used per expert.
    public var probeRanks: [Int]

    /// The mean over experts that have probes (nil when none has).
    public var mean: Double? {
        let values = perExpert.compactMap { $0 }
        return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Measures `layer` with `samples` probes per expert of rank `probeRank` (nil: each expert's k), seeded.
    public init(layer: SmileLayer, samples: Int, probeRank: Int? = nil, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var perExpert = [Double?](), probeRanks = [Int]()
        for (i, expert) in layer.experts.enumerated() {
            let basis = Self.rightSingularVectors(expert.svh, limit: probeRank ?? expert.rank)
            probeRanks.append(basis.rows)
            guard basis.rows > 0, samples > 0 else {
                perExpert.append(nil)
                continue
            }
            let z = rng.gaussianMatrix(samples, basis.rows)
            let probes = z * basis
            let routing = layer.route(probes)
            let hits = routing.selected.filter { $0.first == i }.count
            perExpert.append(Double(hits) / Double(samples))
        }
        self.perExpert = perExpert
        self.samples = samples
        self.probeRanks = probeRanks
    }

    /// The first `limit` rows of `svh` normalised to unit length, skipping rows whose norm (σⱼ) is
    /// numerically zero relative to the first: V_{:p}ᵀ, p×in.
    static func rightSingularVectors(_ svh: MatrixF, limit: Int) -> MatrixF {
        let norms = svh.rowNormsSquared.map { $0.squareRoot() }
        let top = norms.max() ?? 0
        let tolerance = top * Double(Swift.max(svh.rows, svh.columns)) * Double(Float.ulpOfOne)
        var rows = [Float]()
        var count = 0
        for j in 0..<svh.rows where count < limit && top > 0 && norms[j] > tolerance {
            rows.append(contentsOf: svh.row(j).map { $0 / Float(norms[j]) })
            count += 1
        }
        return MatrixF(rows: count, columns: svh.columns, elements: rows)
    }
}
