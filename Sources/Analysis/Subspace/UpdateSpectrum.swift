/// The size and singular spectrum of one update ΔW, and how concentrated its energy is.
///
/// - `norm` = ‖ΔW‖_F; `relativeNorm` = ‖ΔW‖_F / ‖W_pre‖_F (0 when W_pre = 0).
/// - `singularValues` s₁ ≥ s₂ ≥ … of ΔW: all min(m, n) of them (q for a rank-q LoRA update) when
///   `computation` is `complete`; with `leading` only the first k, as deep as the report reads
///   (``Matrix/leadingSingularSpectrum(holding:minimumDepth:vectors:settings:context:)``), and
///   `uncapturedEnergy` = ‖ΔW‖²_F − Σ_{j≤k} s_j² (≥ Σ_{j>k} σ_j², at most k·`squaredValueBound` more).
/// - `energyCurve[k−1]` = Σ_{j≤k} s_j² / ‖ΔW‖²_F, ‖ΔW‖²_F = Σ s_j² + `uncapturedEnergy`: the share a rank-k
///   truncation keeps (SMILE expert sizing); with `leading` it ends below 1, at the captured share.
/// - `effectiveRank90` / `effectiveRank99`: the smallest k whose curve value reaches 0.90 / 0.99.
/// - `squaredValueBound` ε: each reported s_j² is within [σ_j² − ε, σ_j²] (0 for `complete`: exact to
///   rounding).
/// A zero update has an empty curve and effective ranks 0.
public struct UpdateSpectrum: Codable, Sendable, Equatable {
    /// How the singular values were computed.
    public enum Computation: String, Codable, Sendable {
        /// Every singular value (a complete reduction, or a LoRA update's core).
        case complete
        /// The leading ones by certified block iteration, until they hold the deepest energy share read.
        case leading
    }

    public var norm: Double
    public var relativeNorm: Double
    public var singularValues: [Double]
    public var energyCurve: [Double]
    public var effectiveRank90: Int
    public var effectiveRank99: Int
    public var computation: Computation
    public var uncapturedEnergy: Double
    public var squaredValueBound: Double

    /// Summarises an update from its singular values (all of them, or the leading ones and the energy
    /// they leave uncaptured) and the base weight's Frobenius norm.
    public init(singularValues: [Double], baseNorm: Double, uncapturedEnergy: Double = 0, squaredValueBound: Double = 0,
                computation: Computation = .complete) {
        let energy = singularValues.reduce(0) { $0 + $1 * $1 } + uncapturedEnergy
        self.singularValues = singularValues
        self.computation = computation
        self.uncapturedEnergy = uncapturedEnergy
        self.squaredValueBound = squaredValueBound
        norm = energy.squareRoot()
        relativeNorm = baseNorm > 0 ? norm / baseNorm : 0
        var running = 0.0
        energyCurve = energy > 0 ? singularValues.map { running += $0 * $0; return running / energy } : []
        effectiveRank90 = Self.rank(holding: 0.90, curve: energyCurve)
        effectiveRank99 = Self.rank(holding: 0.99, curve: energyCurve)
    }

    /// The smallest k whose rank-k truncation keeps at least `fraction` of the energy (0 for a zero update).
    /// With `leading` values the caller asked for at most the share they capture.
    public func rank(holding fraction: Double) -> Int { Self.rank(holding: fraction, curve: energyCurve) }

    static func rank(holding fraction: Double, curve: [Double]) -> Int {
        guard !curve.isEmpty else { return 0 }
        return (curve.firstIndex { $0 >= fraction - 1e-12 } ?? (curve.count - 1)) + 1
    }

    private enum CodingKeys: String, CodingKey {
        case norm, relativeNorm, singularValues, energyCurve, effectiveRank90, effectiveRank99, computation, uncapturedEnergy, squaredValueBound
    }

    /// Records written before `computation` existed decode as `complete` with nothing uncaptured.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        norm = try c.decode(Double.self, forKey: .norm)
        relativeNorm = try c.decode(Double.self, forKey: .relativeNorm)
        singularValues = try c.decode([Double].self, forKey: .singularValues)
        energyCurve = try c.decode([Double].self, forKey: .energyCurve)
        effectiveRank90 = try c.decode(Int.self, forKey: .effectiveRank90)
        effectiveRank99 = try c.decode(Int.self, forKey: .effectiveRank99)
        computation = try c.decodeIfPresent(Computation.self, forKey: .computation) ?? .complete
        uncapturedEnergy = try c.decodeIfPresent(Double.self, forKey: .uncapturedEnergy) ?? 0
        squaredValueBound = try c.decodeIfPresent(Double.self, forKey: .squaredValueBound) ?? 0
    }
}
