/// How many singular triplets k each expert of a layer keeps. Every expert of a layer keeps the same k,
/// so a layer loads into FusionBench's fixed-shape experts.
///
/// - ``fixed(_:)``: FusionBench's `k` (default 128), clamped to the layer's largest numerical update
///   rank: k_layer = min(k, maxᵢ rankᵢ). A rank-8 LoRA family thus gets rank-8 experts, not 128 columns
///   of zeros.
/// - ``energy(_:maximum:)``: the rank keeping a fraction f of every expert's energy,
///   k_layer = maxᵢ min{k : Σ_{j≤k} σ_{i,j}² ≥ f ‖ΔWᵢ‖²_F} (``UpdateSpectrum/rank(holding:)``), optionally
///   capped by `maximum`.
///
/// Both give at least 1. An expert whose update has fewer than k_layer triplets is padded with zeros
/// (see ``SmileExpert/init(decomposition:rank:biasDelta:)``).
public enum ExpertRankRule: Sendable, Equatable {
    /// A fixed k, clamped to the update ranks.
    case fixed(Int)
    /// The rank holding this energy fraction for every expert (the max over experts), at most `maximum`.
    case energy(Double, maximum: Int?)

    /// FusionBench's default expert rank.
    public static let fusionBenchDefault = ExpertRankRule.fixed(128)

    /// k_layer for a layer whose updates decompose as `decompositions`.
    public func rank(for decompositions: [UpdateDecomposition]) -> Int {
        let largest = decompositions.map(\.numericalRank).max() ?? 0
        let k: Int
        switch self {
        case let .fixed(requested):
            k = Swift.min(requested, largest)
        case let .energy(fraction, maximum):
            let needed = decompositions.map { UpdateSpectrum(singularValues: $0.singularValues, baseNorm: 0).rank(holding: fraction) }.max() ?? 0
            k = Swift.min(Swift.min(needed, largest), maximum ?? Int.max)
        }
        return Swift.max(1, k)
    }

    /// The requested k for ``fixed(_:)`` or the cap of ``energy(_:maximum:)``.
    public var requestedRank: Int? {
        switch self {
        case let .fixed(k): return k
        case let .energy(_, maximum): return maximum
        }
    }

    /// The energy fraction of ``energy(_:maximum:)``, nil for ``fixed(_:)``.
    public var energyFraction: Double? {
        if case let .energy(fraction, _) = self { return fraction }
        return nil
    }
}
