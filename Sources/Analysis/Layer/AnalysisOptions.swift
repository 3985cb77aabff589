/// Settings of a layer analysis. Defaults follow the SMILE paper and FusionBench where they define one.
public struct AnalysisOptions: Codable, Sendable, Equatable {
    /// How the pretrained spectrum is cut into top / middle (default: half the σ-sum, SMILE's rule).
    public var zoneRule: ZoneRule
    /// When set, a second cut splits the middle zone into middle / low, giving a 4-way map as well.
    public var lowZoneRule: ZoneRule?
    /// Fraction of each update's energy whose right singular subspace proxies the task's inputs (0.9).
    public var interferenceEnergy: Double
    /// How many top singular directions of W_ft are checked for intruders (10).
    public var intruderTop: Int
    /// |cos| below which a W_ft direction is an intruder (0.5).
    public var intruderThreshold: Double
    /// Whether to compute intruder dimensions (one extra SVD of W_ft per model).
    public var computeIntruders: Bool
    /// Rank per task for STI; nil uses the interference ranks (the `interferenceEnergy` subspaces).
    public var stiRank: Int?
    /// The energy a SMILE expert should keep when sizing its rank (0.99).
    public var expertEnergy: Double
    /// The λ values at which task-arithmetic residuals are tabulated.
    public var lambdaGrid: [Double]
    /// The verdict thresholds.
    public var thresholds: VerdictThresholds
    /// A sparsifying merge (TIES, DARE, DELLA) whose per-tensor statistics are computed; nil: none.
    public var sparsification: SparsificationSettings?

    public init(
        zoneRule: ZoneRule = .smileDefault, lowZoneRule: ZoneRule? = nil, interferenceEnergy: Double = 0.9,
        intruderTop: Int = 10, intruderThreshold: Double = 0.5, computeIntruders: Bool = true, stiRank: Int? = nil,
        expertEnergy: Double = 0.99, lambdaGrid: [Double] = [0.3, 0.5, 0.7, 1.0],
        thresholds: VerdictThresholds = VerdictThresholds(), sparsification: SparsificationSettings? = nil
    ) {
        self.zoneRule = zoneRule
        self.lowZoneRule = lowZoneRule
        self.interferenceEnergy = interferenceEnergy
        self.intruderTop = intruderTop
        self.intruderThreshold = intruderThreshold
        self.computeIntruders = computeIntruders
        self.stiRank = stiRank
        self.expertEnergy = expertEnergy
        self.lambdaGrid = lambdaGrid
        self.thresholds = thresholds
        self.sparsification = sparsification
    }
}
