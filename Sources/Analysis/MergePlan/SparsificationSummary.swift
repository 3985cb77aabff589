/// The model level of ``SparsificationStatistics``: every count and energy summed over the layers that
/// carry them (never recomputed), the shares derived from the sums, and the layers where trimming removes
/// the most or signs conflict the most.
public struct SparsificationSummary: Codable, Sendable, Equatable {
    /// One layer's headline shares.
    public struct Layer: Codable, Sendable, Equatable {
        public var name: String
        /// max over config models of 1 − keptEnergy/energy.
        public var worstRemovedEnergy: Double
        /// conflictEntries / overlapEntries (0 without overlap).
        public var conflictShare: Double
    }

    /// The trimming.
    public var method: SparsificationSettings.Method
    /// Whether the numbers are expectations over random masks (DARE, DELLA).
    public var isExpectation: Bool
    /// Per config model, summed over layers.
    public var tasks: [SparsificationStatistics.Task]
    /// Σ over layers of entries kept by ≥ 2 tasks.
    public var overlapEntries: Double
    /// Σ over layers of those with both signs.
    public var conflictEntries: Double
    /// Σ over layers of the election's discarded energy (TIES; nil otherwise).
    public var electionDiscardedEnergy: Double?
    /// Per config model: 1 − Σ keptEnergy / Σ energy, the share of ‖τᵢ‖² trimming removes.
    public var removedEnergy: [Double]
    /// conflictEntries / overlapEntries (0 without overlap).
    public var conflictShare: Double
    /// electionDiscardedEnergy / Σᵢ Σ keptEnergyᵢ (TIES; nil otherwise).
    public var electionDiscardedShare: Double?
    /// For DARE: the expected relative error E‖τ̃ − τ‖²/‖τ‖² = (1 − d)/d per model under the 1/d rescale
    /// (mergekit's default L1 rescale ‖τ‖₁/‖τ̃‖₁ approaches 1/d on large tensors); nil for other methods.
    public var dareRescaledError: [Double]?
    /// Up to five layers with the largest worstRemovedEnergy, then up to five with the largest conflictShare.
    public var worstLayers: [Layer]

    /// Sums the statistics of `layers` (those without statistics are skipped); nil when none has them.
    public init?(layers: [LayerAnalysis], settings: SparsificationSettings) {
        let carrying = layers.compactMap { layer in layer.sparsification.map { (layer.name, $0) } }
        guard let first = carrying.first?.1 else { return nil }
        method = settings.method
        isExpectation = settings.isExpectation
        tasks = first.tasks.indices.map { p in
            carrying.reduce(SparsificationStatistics.Task(entries: 0, energy: 0, keptEntries: 0, keptEnergy: 0)) { sum, layer in
                let t = layer.1.tasks[p]
                return .init(entries: sum.entries + t.entries, energy: sum.energy + t.energy,
                             keptEntries: sum.keptEntries + t.keptEntries, keptEnergy: sum.keptEnergy + t.keptEnergy)
            }
        }
        overlapEntries = carrying.reduce(0) { $0 + $1.1.overlapEntries }
        conflictEntries = carrying.reduce(0) { $0 + $1.1.conflictEntries }
        electionDiscardedEnergy = carrying.allSatisfy { $0.1.electionDiscardedEnergy != nil }
            ? carrying.reduce(0) { $0 + ($1.1.electionDiscardedEnergy ?? 0) } : nil
        removedEnergy = tasks.map(Self.removed)
        conflictShare = overlapEntries > 0 ? conflictEntries / overlapEntries : 0
        let kept = tasks.reduce(0) { $0 + $1.keptEnergy }
        electionDiscardedShare = electionDiscardedEnergy.map { kept > 0 ? $0 / kept : 0 }
        dareRescaledError = settings.method == .random ? settings.densities.map { (1 - $0) / $0 } : nil
        let perLayer = carrying.map { name, s in
            Layer(name: name, worstRemovedEnergy: s.tasks.map(Self.removed).max() ?? 0,
                  conflictShare: s.overlapEntries > 0 ? s.conflictEntries / s.overlapEntries : 0)
        }
        let byRemoval = perLayer.sorted { $0.worstRemovedEnergy > $1.worstRemovedEnergy }.prefix(5)
        let byConflict = perLayer.sorted { $0.conflictShare > $1.conflictShare }.prefix(5)
        worstLayers = Array(byRemoval) + byConflict.filter { layer in !byRemoval.contains { $0.name == layer.name } }
    }

    /// 1 − kept/energy (0 for a zero update).
    static func removed(_ t: SparsificationStatistics.Task) -> Double { t.energy > 0 ? 1 - t.keptEnergy / t.energy : 0 }
}
