@testable import Analysis

/// Matrices with a prescribed, decaying spectrum (U diag(σ) Vᵀ with random orthonormal factors), so the
/// top singular triplets are well separated, as in real weights.
enum SpectralMatrices {
    /// m×n with σⱼ = σ₁·decay^j (plus `floor`), orthonormal factors from seeded Gaussians.
    static func decaying(_ m: Int, _ n: Int, seed: UInt64, decay: Double = 0.93, floor: Double = 0.02) -> MatrixF {
        let r = Swift.min(m, n)
        let u = RandomMatrices.gaussian(m, r, seed: seed).qr().orthonormal
        let vt = RandomMatrices.gaussian(r, n, seed: seed &+ 7).lq().orthonormal
        return u.scalingColumns(by: (0..<r).map { Float(pow(decay, Double($0)) + floor) }) * vt
    }

    /// |⟨x, y⟩| of unit vectors given as arrays.
    static func absCos(_ x: [Float], _ y: [Float]) -> Double {
        abs(zip(x, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) })
    }
}

import Foundation
