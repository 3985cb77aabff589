/// How the pretrained weight's singular directions are cut into zones.
///
/// For σ₁ ≥ … ≥ σ_r, a cut at fraction f is k = 1 + #{j : Cⱼ < f·C_r}, clamped to 1…r, where Cⱼ is the
/// running sum of the chosen spectrum quantity:
/// - ``sigmaSum(_:)``: Cⱼ = Σ_{i≤j} σᵢ. At f = 0.5 this is the SMILE paper's and FusionBench's rule (the
///   default).
/// - ``energy(_:)``: Cⱼ = Σ_{i≤j} σᵢ² (the fraction of ‖W‖²_F).
/// - ``rank(_:)``: k given explicitly (clamped to 1…r).
///
/// A zero matrix (all σ = 0) gives k = 1.
public enum ZoneRule: Codable, Sendable, Equatable, CustomStringConvertible {
    case sigmaSum(Double)
    case energy(Double)
    case rank(Int)

    /// The SMILE / FusionBench default: half of the σ-sum.
    public static let smileDefault = ZoneRule.sigmaSum(0.5)

    /// The cut k ∈ 1…r for these singular values (descending). r = 0 gives 0.
    public func cut(_ singularValues: [Double]) -> Int {
        let r = singularValues.count
        guard r > 0 else { return 0 }
        switch self {
        case let .rank(k):
            return Swift.min(Swift.max(k, 1), r)
        case let .sigmaSum(fraction):
            return Self.cut(values: singularValues, fraction: fraction)
        case let .energy(fraction):
            return Self.cut(values: singularValues.map { $0 * $0 }, fraction: fraction)
        }
    }

    private static func cut(values: [Double], fraction: Double) -> Int {
        let total = values.reduce(0, +)
        var running = 0.0
        var count = 0
        for v in values {
            running += v
            if running < fraction * total { count += 1 }
        }
        return Swift.min(Swift.max(1 + count, 1), values.count)
    }

    public var description: String {
        switch self {
        case let .sigmaSum(f): return "sigma-sum \(f)"
        case let .energy(f): return "energy \(f)"
        case let .rank(k): return "rank \(k)"
        }
    }
}
