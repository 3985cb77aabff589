/// The size and singular spectrum of one update ΔW, and how concentrated its energy is.
///
/// - `norm` = ‖ΔW‖_F; `relativeNorm` = ‖ΔW‖_F / ‖W_pre‖_F (0 when W_pre = 0).
/// - `singularValues` s₁ ≥ s₂ ≥ … of ΔW (min(m, n) of them; q for a rank-q LoRA update).
/// - `energyCurve[k−1]` = Σ_{j≤k} s_j² / Σ s_j²: the share a rank-k truncation keeps (SMILE expert sizing).
/// - `effectiveRank90` / `effectiveRank99`: the smallest k whose curve value reaches 0.90 / 0.99.
/// A zero update has an empty curve and effective ranks 0.
public struct UpdateSpectrum: Codable, Sendable, Equatable {
    public var norm: Double
    public var relativeNorm: Double
    public var singularValues: [Double]
    public var energyCurve: [Double]
    public var effectiveRank90: Int
    public var effectiveRank99: Int

    /// Summarises an update from its singular values and the base weight's Frobenius norm.
    public init(singularValues: [Double], baseNorm: Double) {
        let energy = singularValues.reduce(0) { $0 + $1 * $1 }
        self.singularValues = singularValues
        norm = energy.squareRoot()
        relativeNorm = baseNorm > 0 ? norm / baseNorm : 0
        var running = 0.0
        energyCurve = energy > 0 ? singularValues.map { running += $0 * $0; return running / energy } : []
        effectiveRank90 = Self.rank(holding: 0.90, curve: energyCurve)
        effectiveRank99 = Self.rank(holding: 0.99, curve: energyCurve)
    }

    /// The smallest k whose rank-k truncation keeps at least `fraction` of the energy (0 for a zero update).
    public func rank(holding fraction: Double) -> Int { Self.rank(holding: fraction, curve: energyCurve) }

    static func rank(holding fraction: Double, curve: [Double]) -> Int {
        guard !curve.isEmpty else { return 0 }
        return (curve.firstIndex { $0 >= fraction - 1e-12 } ?? (curve.count - 1)) + 1
    }
}
