/// How much of one task's update ΔW = W_ft − W_pre is the rounding of W_ft to its stored dtype.
///
/// A fine-tune stored in F16 or BF16 is W_ft = round(W_true): ΔW carries that rounding error, which under
/// the uniform model (each entry's error uniform within ±½ ulp, independent) has expected energy
///
///     E_round = Σ_ij ulp(W_ft,ij)² / 12,
///
/// with ulp(x) = 2^(max(e, e_min) − p) for x's binary exponent e = ⌊log₂|x|⌋, the dtype's mantissa width p
/// (F32 23, F16 10, BF16 7) and its smallest normal exponent e_min (F32 and BF16 −126, F16 −14): zeros and
/// subnormals have the dtype's smallest ulp (2⁻¹⁴⁹, 2⁻²⁴, 2⁻¹³³). This error is spread flat over every
/// direction, so once the share ρ = E_round / ‖ΔW‖²_F reaches 1 − f, the rank keeping a share f of ‖ΔW‖²
/// (rank99 at f = 0.99, rank90 at 0.9) counts directions of the storage format, not of the fine-tuning.
///
/// An estimate: it overestimates when most entries' updates are below half an ulp and round back to W_pre
/// (``unchangedEntries`` counts those exactly). Measured for dense updates read from a stored F32, F16 or
/// BF16 fine-tune only (never for LoRA adapters, whose ΔW is a product of factors, nor F64, I8 or F8).
public struct StorageRounding: Codable, Sendable, Equatable {
    /// The dtype W_ft is stored in (`F32`, `F16` or `BF16`).
    public var dtype: DType
    /// E_round = Σ ulp²/12 over W_ft's entries.
    public var energy: Double
    /// The number of entries with W_ft == W_pre exactly (updates lost to rounding, or never made).
    public var unchangedEntries: Int
    /// ρ = E_round / ‖ΔW‖²_F; nil when ΔW = 0 (no share of nothing), and until ``sharing(of:)`` sets it.
    public var share: Double?

    /// The shares a rank cut leaves out: rank99 leaves out 1 − 0.99 of ‖ΔW‖², rank90 1 − 0.9. A share ρ at or
    /// above one puts that rank within the storage-rounding floor.
    public static let rank99Floor = 1 - 0.99
    public static let rank90Floor = 1 - 0.9

    /// This measurement with ``share`` = ``energy`` / `updateEnergy` (nil for `updateEnergy` 0).
    public func sharing(of updateEnergy: Double) -> StorageRounding {
        var result = self
        result.share = updateEnergy > 0 ? energy / updateEnergy : nil
        return result
    }

    /// (p, e_min) of the dtypes measured; nil for the others.
    static func format(_ dtype: DType) -> (mantissa: Int, minimumExponent: Int)? {
        switch dtype {
        case .f32: return (23, -126)
        case .bf16: return (7, -126)
        case .f16: return (10, -14)
        default: return nil
        }
    }

    /// ΔW = `fineTuned` − `base` element by element, and W_ft's rounding measured in the same pass: one loop
    /// reads both, writes the difference, counts exact zeros of it and histograms the 8-bit exponent field
    /// of W_ft's Float bits (exact for every F16 / BF16 value and F32 itself), from which E_round is summed
    /// in Double over the 256 exponents. Infinities and NaN (exponent field 255) are left out of E_round.
    /// The rounding is nil when `dtype` is not F32, F16 or BF16. Precondition: equal counts.
    public static func difference(fineTuned: [Float], base: [Float], storedAs dtype: DType) -> (delta: [Float], rounding: StorageRounding?) {
        precondition(fineTuned.count == base.count, "W_ft and W_pre differ in size")
        guard let format = format(dtype) else { return (zip(fineTuned, base).map { $0 - $1 }, nil) }
        let count = fineTuned.count
        var histogram = [Int](repeating: 0, count: 256)
        var unchanged = 0
        let delta = [Float](unsafeUninitializedCapacity: count) { out, initialized in
            fineTuned.withUnsafeBufferPointer { ft in
                base.withUnsafeBufferPointer { pre in
                    histogram.withUnsafeMutableBufferPointer { bins in
                        for i in 0..<count {
                            let x = ft[i]
                            let d = x - pre[i]
                            out[i] = d
                            unchanged &+= d == 0 ? 1 : 0
                            bins[Int(truncatingIfNeeded: (x.bitPattern >> 23) & 0xFF)] &+= 1
                        }
                    }
                }
            }
            initialized = count
        }
        var energy = 0.0
        for field in 0..<255 where histogram[field] > 0 {
            let exponent = Swift.max(field - 127, format.minimumExponent) - format.mantissa
            energy += Double(histogram[field]) * Double(sign: .plus, exponent: 2 * exponent, significand: 1)
        }
        return (delta, StorageRounding(dtype: dtype, energy: energy / 12, unchangedEntries: unchanged, share: nil))
    }
}
