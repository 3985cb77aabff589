@testable import Analysis

/// Seeded Gaussian matrices and low-rank updates for invariant tests.
enum RandomMatrices {
    /// An m×n matrix of standard normal entries times `scale`.
    static func gaussian(_ m: Int, _ n: Int, seed: UInt64, scale: Float = 1) -> MatrixF {
        var rng = SplitMix64(seed: seed)
        return rng.gaussianMatrix(m, n, scale: scale)
    }

    /// A LoRA-style update: B (m×q), A (q×n), scale.
    static func lowRank(_ m: Int, _ n: Int, rank q: Int, seed: UInt64, scale: Float = 2) -> WeightUpdate {
        .lowRank(b: gaussian(m, q, seed: seed, scale: 0.1), a: gaussian(q, n, seed: seed &+ 1, scale: 0.1), scale: scale)
    }
}
