/// The element type of a safetensors tensor, spelled as in the header's `"dtype"` field.
///
/// All multi-byte types are little-endian, as the safetensors format requires. Every case decodes to
/// `Float` (see ``decode(_:count:)``); 64-bit integers and `F64` lose precision beyond 24 significant
/// bits, which is irrelevant for weights and documented rather than an error.
public enum DType: String, CaseIterable, Sendable, Codable {
    /// 64-bit IEEE float.
    case f64 = "F64"
    /// 32-bit IEEE float.
    case f32 = "F32"
    /// 16-bit IEEE half float (1 sign, 5 exponent, 10 mantissa bits).
    case f16 = "F16"
    /// bfloat16: the upper 16 bits of an IEEE float (1 sign, 8 exponent, 7 mantissa bits).
    case bf16 = "BF16"
    /// Signed 64-bit integer.
    case i64 = "I64"
    /// Signed 32-bit integer.
    case i32 = "I32"
    /// Signed 16-bit integer.
    case i16 = "I16"
    /// Signed 8-bit integer.
    case i8 = "I8"
    /// Unsigned 8-bit integer.
    case u8 = "U8"
    /// Boolean, one byte per element; any non-zero byte decodes to 1.
    case bool = "BOOL"
    /// 8-bit float E4M3 "FN" variant (no infinities; S.1111.111 is NaN), bias 7.
    case f8E4M3 = "F8_E4M3"
    /// 8-bit float E5M2 (IEEE-like, the upper byte of an `F16`), bias 15.
    case f8E5M2 = "F8_E5M2"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8, .u8, .bool, .f8E4M3, .f8E5M2: return 1
        }
    }

    /// The position of this dtype in the reference Rust crate's `Dtype` enum, which is declared in
    /// increasing alignment order (`BOOL, U8, I8, F8_E5M2, F8_E4M3, …, I16, F16, BF16, I32, F32, F64, I64`).
    /// ``SafetensorsWriter`` sorts tensors by this rank, descending, then by name, as the reference
    /// `prepare` does, so that every tensor starts at an offset aligned to its element size.
    public var alignmentRank: Int {
        switch self {
        case .bool: return 0
        case .u8: return 1
        case .i8: return 2
        case .f8E5M2: return 3
        case .f8E4M3: return 4
        case .i16: return 5
        case .f16: return 6
        case .bf16: return 7
        case .i32: return 8
        case .f32: return 9
        case .f64: return 10
        case .i64: return 11
        }
    }
}
