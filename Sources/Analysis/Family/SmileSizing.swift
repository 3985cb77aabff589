/// What SMILE upscaling would cost for a family: each task's update of each linear layer becomes a rank-kᵢ
/// expert (U_{i,:k} of out×k and diag(S)V_{i,:k}ᵀ of k×in: k·(m + n) parameters) plus a router of
/// T·gate_k·n parameters per layer.
///
/// `expertParameters` uses the rank keeping `energy` (0.99) of each ‖ΔWᵢ‖²; it is compared with the base's
/// parameters in those layers and with keeping every fine-tuned copy (T·m·n).
public struct SmileSizing: Codable, Sendable, Equatable {
    /// The energy each expert keeps.
    public var energy: Double
    /// Router rows per expert.
    public var gateRank: Int
    /// Parameters of the analysed linear layers in the base model (Σ m·n).
    public var baseParameters: Int
    /// Σ over layers and tasks of kᵢ·(m + n), plus the routers.
    public var expertParameters: Int
    /// Σ over layers of T·m·n: keeping every fine-tuned copy of those layers.
    public var keepAllParameters: Int
    /// The largest kᵢ / r over all layers and tasks: near 1 means low-rank experts save little.
    public var worstRankFraction: Double
    /// Energy kept (the mean over layers and tasks of Σ_{j≤k} σⱼ² / ‖ΔWᵢ‖²) against overhead (routers of
    /// rank `gateRank` and experts, over ``baseParameters``) for one k in every layer, clamped to each
    /// layer's update rank (``RankBudgetPlan/uniformCurve(_:gateRanks:maxRank:clamped:)``), at most 160 points.
    public var uniformCurve: [RankBudgetPlan.Point]
    /// The same for `upscale --budget`'s per-layer allocation at every budget
    /// (``RankBudgetPlan/allocationCurve(_:gateRanks:maxRank:floor:points:)``, floor k = 1).
    public var allocationCurve: [RankBudgetPlan.Point]

    /// Sizes the experts from per-layer analyses.
    public init(layers: [LayerAnalysis], energy: Double, gateRank: Int = 1) {
        self.energy = energy
        self.gateRank = gateRank
        baseParameters = layers.reduce(0) { $0 + $1.rows * $1.columns }
        expertParameters = layers.reduce(0) { sum, layer in
            sum + layer.tasks.reduce(0) { $0 + $1.spectrum.rank(holding: energy) * (layer.rows + layer.columns) }
                + layer.tasks.count * gateRank * layer.columns
        }
        keepAllParameters = layers.reduce(0) { $0 + $1.tasks.count * $1.rows * $1.columns }
        let spectra = layers.filter { !$0.tasks.isEmpty }.map(LayerSpectra.init)
        let gates = Array(repeating: gateRank, count: spectra.count)
        let uniform = RankBudgetPlan.uniformCurve(spectra, gateRanks: gates, maxRank: nil, clamped: true)
        let stride = Swift.max(1, (uniform.count + 159) / 160)
        uniformCurve = uniform.enumerated().filter { $0.offset % stride == 0 || $0.offset == uniform.count - 1 }.map(\.element)
        allocationCurve = RankBudgetPlan.allocationCurve(spectra, gateRanks: gates, maxRank: nil, floor: 1)
        worstRankFraction = layers.flatMap { layer in
            layer.tasks.map { Double($0.spectrum.rank(holding: energy)) / Double(Swift.max(1, layer.rank)) }
        }.max() ?? 0
    }

    /// Expert parameters as a fraction of the base layers' parameters.
    public var overheadFraction: Double { baseParameters > 0 ? Double(expertParameters) / Double(baseParameters) : 0 }
}
