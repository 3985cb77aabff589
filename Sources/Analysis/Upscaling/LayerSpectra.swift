/// What rank planning needs of one upscaled layer: its shape, whether it has a bias, and each expert's
/// update singular values σ_{i,1} ≥ σ_{i,2} ≥ … (no vectors), in expert order.
///
/// Energy is counted as **per-expert shares**: a rank-k expert i keeps
///
///     shareᵢ(k) = Σ_{j≤k} σ_{i,j}² / ‖ΔWᵢ‖²_F         (1 for a zero update)
///
/// and the layer's value of k is Σᵢ shareᵢ(k), whose step j gains Σᵢ σ_{i,j}² / ‖ΔWᵢ‖²_F — non-increasing
/// in j, so greedy allocation is exact (``RankAllocator``).
public struct LayerSpectra: Sendable, Equatable {
    /// The module name `X`.
    public var module: String
    /// m, out features.
    public var rows: Int
    /// n, in features.
    public var columns: Int
    /// Whether the layer has a bias (then every expert carries one of m entries).
    public var hasBias: Bool
    /// σ per expert, descending.
    public var singularValues: [[Double]]
    /// The largest numerical update rank over the experts: the most triplets worth keeping.
    public var maxRank: Int
    /// Per expert, the energy beyond its listed σ (0 when all are listed; a leading spectrum's
    /// ``UpdateSpectrum/uncapturedEnergy``): ‖ΔWᵢ‖² = Σⱼ σ_{i,j}² + this.
    public var uncapturedEnergy: [Double]
    /// The router's rank is the experts' k (`--gate-k k`): each rank then also buys one gate row per
    /// expert, so it costs E·(m + 2n) and the router costs nothing up front.
    public var tiedGate = false
    /// Per expert, shareᵢ(k) at index k − 1 (empty for a zero update).
    private var cumulativeShares: [[Double]]

    public init(module: String, rows: Int, columns: Int, hasBias: Bool, singularValues: [[Double]], maxRank: Int, uncapturedEnergy: [Double]? = nil, tiedGate: Bool = false) {
        self.module = module
        self.tiedGate = tiedGate
        self.rows = rows
        self.columns = columns
        self.hasBias = hasBias
        self.singularValues = singularValues
        self.maxRank = maxRank
        let uncaptured = uncapturedEnergy ?? Array(repeating: 0, count: singularValues.count)
        self.uncapturedEnergy = uncaptured
        cumulativeShares = zip(singularValues, uncaptured).map { UpdateSpectrum(singularValues: $0, baseNorm: 0, uncapturedEnergy: $1).energyCurve }
    }

    /// From a per-layer analysis record (no bias: the analysis sizes weights only; a leading spectrum's
    /// uncaptured energy counts in ‖ΔWᵢ‖², so its shares end below 1); the numerical rank
    /// counts σ > σ₁ · max(m, n) · ε_float, as ``UpdateDecomposition`` does.
    public init(_ layer: LayerAnalysis) {
        let sigmas = layer.tasks.map(\.spectrum.singularValues)
        let tolerance = { (s: [Double]) in (s.first ?? 0) * Double(Swift.max(layer.rows, layer.columns)) * Double(Float.ulpOfOne) }
        self.init(module: layer.name, rows: layer.rows, columns: layer.columns, hasBias: false, singularValues: sigmas,
                  maxRank: sigmas.map { s in s.filter { $0 > tolerance(s) }.count }.max() ?? 0,
                  uncapturedEnergy: layer.tasks.map(\.spectrum.uncapturedEnergy))
    }

    /// From the layer's decompositions.
    init(module: String, bias: Bool, decompositions: [UpdateDecomposition], tiedGate: Bool = false) {
        self.init(module: module, rows: decompositions.first?.rows ?? 0, columns: decompositions.first?.columns ?? 0, hasBias: bias,
                  singularValues: decompositions.map(\.singularValues), maxRank: decompositions.map(\.numericalRank).max() ?? 0, tiedGate: tiedGate)
    }

    /// E.
    public var expertCount: Int { singularValues.count }
    /// m·n (+ m with a bias): the base layer's parameters.
    public var baseParameters: Int { rows * columns + (hasBias ? rows : 0) }
    /// E·(m + n): one more rank for every expert; E·(m + 2n) with a ``tiedGate`` (one more gate row each).
    public var stepCost: Int { expertCount * (rows + columns + (tiedGate ? columns : 0)) }
    /// E·g·n router + E·m expert biases, g clamped to min(m, n); with a ``tiedGate`` the router is paid
    /// per rank (``stepCost``) and `gateRank` is ignored.
    public func fixedCost(gateRank: Int) -> Int {
        (tiedGate ? 0 : expertCount * Swift.min(gateRank, Swift.min(rows, columns)) * columns) + (hasBias ? expertCount * rows : 0)
    }
    /// Overhead of rank k and gate rank g over the base layer: router, experts, expert biases.
    public func overhead(rank k: Int, gateRank: Int) -> Int { fixedCost(gateRank: gateRank) + k * stepCost }

    /// shareᵢ(k) per expert.
    public func energyShares(rank k: Int) -> [Double] {
        cumulativeShares.map { curve in
            guard !curve.isEmpty else { return 1 }
            return k <= 0 ? 0 : curve[Swift.min(k, curve.count) - 1]
        }
    }

    /// The mean share over experts.
    public func meanEnergyShare(rank k: Int) -> Double {
        let shares = energyShares(rank: k)
        return shares.isEmpty ? 1 : shares.reduce(0, +) / Double(shares.count)
    }

    /// Step gains Σᵢ σ_{i,j}² / ‖ΔWᵢ‖² for j = 1…`limit`.
    public func stepGains(limit: Int) -> [Double] {
        var gains = [Double](repeating: 0, count: Swift.max(0, limit))
        for (sigma, uncaptured) in zip(singularValues, uncapturedEnergy) {
            let total = sigma.reduce(0) { $0 + $1 * $1 } + uncaptured
            guard total > 0 else { continue }
            for j in 0..<Swift.min(limit, sigma.count) { gains[j] += sigma[j] * sigma[j] / total }
        }
        return gains
    }
}
