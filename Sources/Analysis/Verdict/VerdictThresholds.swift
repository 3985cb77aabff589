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
public struct VerdictThresholds: Codable, Sendable, Equatable {
    public var residualRisky: Double
    public var residualNotMergeable: Double
    public var cosineRisky: Double
    public var cosineOpposed: Double
    public var topEnergyRisky: Double
    public var topEnergyNotMergeable: Double

    public init(
        residualRisky: Double = 0.30, residualNotMergeable: Double = 0.50, cosineRisky: Double = 0.30,
        cosineOpposed: Double = -0.30, topEnergyRisky: Double = 0.15, topEnergyNotMergeable: Double = 0.30
    ) {
        self.residualRisky = residualRisky
        self.residualNotMergeable = residualNotMergeable
        self.cosineRisky = cosineRisky
        self.cosineOpposed = cosineOpposed
        self.topEnergyRisky = topEnergyRisky
        self.topEnergyNotMergeable = topEnergyNotMergeable
    }
}
