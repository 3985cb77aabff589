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
///
/// ρ models a fine-tune trained from the stored base W_pre. When W_pre is itself a rounded copy of the
/// weights the fine-tune started from (base and fine-tune both rounded from higher-precision masters), ΔW
/// carries W_pre's rounding too: ``baseEnergy`` (the same sum over W_pre in its stored dtype) and
/// ``baseShare`` give that part, so the floor is then about ρ + ``baseShare``.
public struct StorageRounding: Codable, Sendable, Equatable {
    /// The dtype W_ft is stored in (`F32`, `F16` or `BF16`).
    public var dtype: DType
    /// E_round = Σ ulp²/12 over W_ft's entries.
    public var energy: Double
    /// The number of entries with W_ft == W_pre exactly (updates lost to rounding, or never made).
    public var unchangedEntries: Int
    /// ρ = E_round / ‖ΔW‖²_F; nil when ΔW = 0 (no share of nothing), and until ``sharing(of:)`` sets it.
    public var share: Double?
    /// Σ ulp(W_pre)²/12 in the base's stored dtype; nil when that is not F32, F16 or BF16.
    public var baseEnergy: Double?
    /// ``baseEnergy`` / ‖ΔW‖²_F, set with ``share``; nil when either is.
    public var baseShare: Double?

    /// The share of ‖ΔW‖² rank99 leaves out, 1 − 0.99: ρ at or above it puts rank99 within the floor.
    public static let rank99Floor = 1 - 0.99
    /// The share of ‖ΔW‖² rank90 leaves out, 1 − 0.9: ρ at or above it puts rank90 within the floor.
    public static let rank90Floor = 1 - 0.9

    /// This measurement with ``share`` = ``energy`` / `updateEnergy` (nil for `updateEnergy` 0).
    public func sharing(of updateEnergy: Double) -> StorageRounding {
        var result = self
        result.share = updateEnergy > 0 ? energy / updateEnergy : nil
        result.baseShare = updateEnergy > 0 ? baseEnergy.map { $0 / updateEnergy } : nil
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

    /// Σ count[field] · ulp(field)² / 12 over an exponent-field histogram of Float bit patterns (field 255,
    /// infinities and NaN, left out), in `format`.
    private static func energy(_ histogram: [Int], _ format: (mantissa: Int, minimumExponent: Int)) -> Double {
        var energy = 0.0
        for field in 0..<255 where histogram[field] > 0 {
            let exponent = Swift.max(field - 127, format.minimumExponent) - format.mantissa
            energy += Double(histogram[field]) * Double(sign: .plus, exponent: 2 * exponent, significand: 1)
        }
        return energy / 12
    }

    /// ΔW = `fineTuned` − `base` element by element, and the rounding measured in the same pass: one loop
    /// reads both, writes the difference, counts exact zeros of it and histograms the 8-bit exponent fields
    /// of W_ft's and W_pre's Float bits (exact for every F16 / BF16 value and F32 itself), from which E_round
    /// (in `dtype`) and the base's (in `baseDType`) are summed in Double over the 256 exponents. The rounding
    /// is nil when `dtype` is not F32, F16 or BF16 (then ΔW alone is formed). Precondition: equal counts.
    public static func difference(fineTuned: [Float], base: [Float], storedAs dtype: DType, baseStoredAs baseDType: DType) -> (delta: [Float], rounding: StorageRounding?) {
        precondition(fineTuned.count == base.count, "W_ft and W_pre differ in size")
        guard let format = format(dtype) else { return (zip(fineTuned, base).map { $0 - $1 }, nil) }
        let count = fineTuned.count
        var histograms = [Int](repeating: 0, count: 512)
        var unchanged = 0
        let delta = [Float](unsafeUninitializedCapacity: count) { out, initialized in
            fineTuned.withUnsafeBufferPointer { ft in
                base.withUnsafeBufferPointer { pre in
                    histograms.withUnsafeMutableBufferPointer { bins in
                        for i in 0..<count {
                            let x = ft[i], y = pre[i]
                            let d = x - y
                            out[i] = d
                            unchanged &+= d == 0 ? 1 : 0
                            bins[Int(truncatingIfNeeded: (x.bitPattern >> 23) & 0xFF)] &+= 1
                            bins[256 + Int(truncatingIfNeeded: (y.bitPattern >> 23) & 0xFF)] &+= 1
                        }
                    }
                }
            }
            initialized = count
        }
        let baseEnergy = Self.format(baseDType).map { energy(Array(histograms[256...]), $0) }
        return (delta, StorageRounding(dtype: dtype, energy: energy(Array(histograms[..<256]), format), unchangedEntries: unchanged,
                                       share: nil, baseEnergy: baseEnergy, baseShare: nil))
    }
}
