import Foundation

/// A small seeded random generator (SplitMix64, Steele et al. 2014): the same seed gives the same stream
/// on every machine, so the built-in demo family and randomised tests are reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A standard normal draw (Box–Muller).
    public mutating func nextGaussian() -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let u2 = Double.random(in: 0..<1, using: &self)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// An m×n matrix of independent N(0, scale²) entries.
    public mutating func gaussianMatrix(_ m: Int, _ n: Int, scale: Float = 1) -> MatrixF {
        MatrixF(rows: m, columns: n, elements: (0..<(m * n)).map { _ in scale * Float(nextGaussian()) })
    }
}
