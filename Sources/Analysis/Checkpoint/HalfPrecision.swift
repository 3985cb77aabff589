/// Bit-level conversions between `Float` and the 16- and 8-bit float formats of safetensors, written
/// out rather than relying on a platform `Float16` so that they behave identically everywhere.
///
/// Decoding is exact (every F16, BF16 and F8 value is a `Float`), including subnormals, ±0, ±∞ and NaN
/// (NaN payload bits are kept where they fit). Encoding rounds to nearest, ties to even, as PyTorch and
/// numpy do; values beyond the largest finite half (65504) round to ±∞.
enum HalfPrecision {
    /// An IEEE half (binary16) bit pattern as a `Float`.
    static func float(fromHalf h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        switch exponent {
        case 0:
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }

    /// `value` rounded to the nearest IEEE half (ties to even); NaN stays a quiet NaN.
    static func half(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF {
            return sign | 0x7C00 | (mantissa == 0 ? 0 : 0x0200 | UInt16(truncatingIfNeeded: mantissa >> 13))
        }
        let halfExponent = exponent - 112
        if halfExponent >= 0x1F { return sign | 0x7C00 }
        if halfExponent <= 0 {
            let shift = 14 - halfExponent
            guard shift <= 24 else { return sign }
            let rounded = roundShifted(mantissa | 0x80_0000, by: shift)
            return sign | UInt16(rounded)
        }
        let rounded = (UInt32(halfExponent) << 10 | mantissa >> 13) + roundingIncrement(mantissa, shift: 13, kept: mantissa >> 13)
        return sign | (rounded >= 0x7C00 ? 0x7C00 : UInt16(rounded))
    }

    /// A bfloat16 bit pattern as a `Float` (it is the upper half of the float's bits).
    static func float(fromBFloat16 b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// `value` rounded to the nearest bfloat16 (ties to even); NaN stays a quiet NaN.
    static func bfloat16(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
    }

    /// An F8 E4M3FN byte as a `Float`: bias 7, no infinities, S.1111.111 is NaN.
    static func float(fromE4M3 byte: UInt8) -> Float {
        let exponent = Int((byte >> 3) & 0xF)
        let mantissa = Float(byte & 0x7)
        let magnitude: Float
        if exponent == 0xF && byte & 0x7 == 0x7 {
            magnitude = .nan
        } else if exponent == 0 {
            magnitude = mantissa * 0x1p-9
        } else {
            magnitude = (1 + mantissa / 8) * Float(sign: .plus, exponent: exponent - 7, significand: 1)
        }
        return byte & 0x80 == 0 ? magnitude : -magnitude
    }

    /// An F8 E5M2 byte as a `Float`: it is the upper byte of an IEEE half.
    static func float(fromE5M2 byte: UInt8) -> Float {
        float(fromHalf: UInt16(byte) << 8)
    }

    /// `value >> shift`, rounded to nearest with ties to even.
    private static func roundShifted(_ value: UInt32, by shift: Int) -> UInt32 {
        let kept = value >> UInt32(shift)
        return kept + roundingIncrement(value, shift: shift, kept: kept)
    }

    /// 1 when the `shift` low bits of `value` dropped to give `kept` round it up (nearest, ties to even).
    private static func roundingIncrement(_ value: UInt32, shift: Int, kept: UInt32) -> UInt32 {
        let remainder = value & ((1 << UInt32(shift)) - 1)
        let halfway = UInt32(1) << UInt32(shift - 1)
        return remainder > halfway || (remainder == halfway && kept & 1 == 1) ? 1 : 0
    }
}
