/// The thresholds behind a ``MergeVerdict``; each signal has a "risky" and a "not mergeable" level.
///
/// Defaults and why (README "The verdict" has the full justification):
/// - `residual` — worst task's data-free residual Lᵢ(λ*). On the shipped all-MiniLM-L6-v2 family, pairs
///   of full fine-tunes sit at 0.22–0.26 and kept 0.91–0.93 of their accuracy when merged; the triple sits
///   at 0.37 and kept 0.81 (worst task 0.66). 0.30 separates them; 0.50 means each task keeps half of its
///   own update's error at the best scale.
/// - `cosine` — pairwise task-vector cosine over the analysed weights. Unrelated fine-tunes sit near 0
///   (0.02–0.06 on MiniLM); strongly aligned updates double-count shared directions (risky at |cos| ≥ 0.30),
///   and opposed ones cancel (not mergeable at cos ≤ −0.30).
/// - `topEnergy` — E_I, the share of ‖ΔW‖² written into the pretrained top zone. SMILE's observation is
///   that fine-tuning mostly leaves it alone: 0.04–0.05 on MiniLM, about what a random update would put
///   there (1.1–1.3× the baseline k²/(m·n)). Fine-tunes with a 10× learning rate rewrite it, and their merges
///   fail. Risky at 0.15, not mergeable at 0.30.
/// - `layerShare` — the share of the family's update energy held by layers whose own verdict (same
///   thresholds, that layer's signals alone) is not mergeable; a layer weighs what it holds of each task's
///   ‖ΔW‖², averaged over tasks. One small layer crossing a threshold says little about the merge (on
///   MiniLM LoRA pairs such layers escalated merges that kept 0.90–0.99); a quarter of the update in
///   layers that collide does. Risky at 0.25, not mergeable at 0.50.
public struct VerdictThresholds: Codable, Sendable, Equatable {
    public var residualRisky: Double
    public var residualNotMergeable: Double
    public var cosineRisky: Double
    public var cosineOpposed: Double
    public var topEnergyRisky: Double
    public var topEnergyNotMergeable: Double
    public var layerShareRisky: Double
    public var layerShareNotMergeable: Double

    public init(
        residualRisky: Double = 0.30, residualNotMergeable: Double = 0.50, cosineRisky: Double = 0.30,
        cosineOpposed: Double = -0.30, topEnergyRisky: Double = 0.15, topEnergyNotMergeable: Double = 0.30,
        layerShareRisky: Double = 0.25, layerShareNotMergeable: Double = 0.50
    ) {
        self.residualRisky = residualRisky
        self.residualNotMergeable = residualNotMergeable
        self.cosineRisky = cosineRisky
        self.cosineOpposed = cosineOpposed
        self.topEnergyRisky = topEnergyRisky
        self.topEnergyNotMergeable = topEnergyNotMergeable
        self.layerShareRisky = layerShareRisky
        self.layerShareNotMergeable = layerShareNotMergeable
    }
}

extension VerdictThresholds {
    private enum CodingKeys: String, CodingKey {
        case residualRisky, residualNotMergeable, cosineRisky, cosineOpposed, topEnergyRisky, topEnergyNotMergeable
        case layerShareRisky, layerShareNotMergeable
    }

    /// Decodes thresholds; records written before the layer-share thresholds existed get their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = VerdictThresholds()
        self.init(
            residualRisky: try c.decode(Double.self, forKey: .residualRisky),
            residualNotMergeable: try c.decode(Double.self, forKey: .residualNotMergeable),
            cosineRisky: try c.decode(Double.self, forKey: .cosineRisky),
            cosineOpposed: try c.decode(Double.self, forKey: .cosineOpposed),
            topEnergyRisky: try c.decode(Double.self, forKey: .topEnergyRisky),
            topEnergyNotMergeable: try c.decode(Double.self, forKey: .topEnergyNotMergeable),
            layerShareRisky: try c.decodeIfPresent(Double.self, forKey: .layerShareRisky) ?? defaults.layerShareRisky,
            layerShareNotMergeable: try c.decodeIfPresent(Double.self, forKey: .layerShareNotMergeable) ?? defaults.layerShareNotMergeable)
    }
}
