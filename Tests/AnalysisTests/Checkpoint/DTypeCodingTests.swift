import Testing
@testable import Analysis

/// Bit-level decoding and encoding of every dtype, edge cases first.
struct CheckpointDTypeCodingTests {
    private func decode(_ dtype: DType, _ bytes: [UInt8]) -> [Float] {
        bytes.withUnsafeBytes { dtype.decode($0) }
    }

    private func halfBytes(_ bits: [UInt16]) -> [UInt8] {
        bits.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    @Test func halfSpecialValues() {
        let values = decode(.f16, halfBytes([0x0001, 0x03FF, 0x0400, 0x3C00, 0x7BFF, 0x7C00, 0xFC00, 0x8000]))
        #expect(values == [0x1p-24, 1023 * 0x1p-24, 0x1p-14, 1, 65504, .infinity, -.infinity, 0])
        #expect(values[7].sign == .minus)
        #expect(decode(.f16, halfBytes([0x7E00, 0xFD01])).allSatisfy { $0.isNaN })
    }

    @Test func halfRoundsToNearestEven() {
        let cases: [(Float, UInt16)] = [
            (65519, 0x7BFF), (65520, 0x7C00), (1e10, 0x7C00), (-1e10, 0xFC00), (0x1p-25, 0x0000), (0x1.8p-25, 0x0001),
            (3 * 0x1p-25, 0x0002), (1 + 0x1p-11, 0x3C00), (1 + 3 * 0x1p-11, 0x3C02), (0x1p-14 - 0x1p-25, 0x0400),
            (-0.0, 0x8000), (.nan, 0x7E00), (.infinity, 0x7C00), (1e-30, 0x0000),
        ]
        for (value, bits) in cases { #expect(HalfPrecision.half(from: value) == bits, "\(value)") }
    }

    @Test func everyHalfRoundTrips() {
        for bits in UInt16.min...UInt16.max {
            let value = HalfPrecision.float(fromHalf: bits)
            if value.isNaN { continue }
            #expect(HalfPrecision.half(from: value) == bits)
        }
    }

    #if !(os(macOS) && arch(x86_64))
    @Test func halfEncodingAgreesWithTheHardwareConversion() {
        var generator = SplitMix64(seed: 16)
        for _ in 0..<100_000 {
            let random = generator.next()
            let exponent = UInt32(random % 46) + 99
            let value = Float(bitPattern: UInt32(truncatingIfNeeded: random >> 32) & 0x807F_FFFF | exponent << 23)
            #expect(HalfPrecision.half(from: value) == Float16(value).bitPattern, "\(value)")
        }
    }
    #endif

    @Test func bfloat16DecodesAndRoundsToNearestEven() {
        #expect(decode(.bf16, halfBytes([0x3F80, 0xC020, 0x7F80, 0x0001])) == [1, -2.5, .infinity, Float(bitPattern: 0x0001_0000)])
        let cases: [(UInt32, UInt16)] = [
            (0x3F80_8000, 0x3F80), (0x3F81_8000, 0x3F82), (0x3F80_8001, 0x3F81), (0x7F7F_FFFF, 0x7F80), (0x7FC0_0000, 0x7FC0), (0x7F80_0001, 0x7FC0),
        ]
        for (bits, expected) in cases { #expect(HalfPrecision.bfloat16(from: Float(bitPattern: bits)) == expected) }
        for bits in UInt16.min...UInt16.max where !HalfPrecision.float(fromBFloat16: bits).isNaN {
            #expect(HalfPrecision.bfloat16(from: HalfPrecision.float(fromBFloat16: bits)) == bits)
        }
    }

    @Test func eightBitFloats() {
        #expect(decode(.f8E4M3, [0x38, 0xB8, 0x7E, 0x01, 0x08, 0x00]) == [1, -1, 448, 0x1p-9, 0x1p-6, 0])
        #expect(decode(.f8E4M3, [0x7F, 0xFF]).allSatisfy { $0.isNaN })
        #expect(decode(.f8E5M2, [0x3C, 0x7C, 0x01, 0xBC]) == [1, .infinity, 0x1p-16, -1])
    }

    @Test func integersAndBooleans() {
        #expect(decode(.i8, [0x80, 0xFF, 0x7F]) == [-128, -1, 127])
        #expect(decode(.u8, [0, 255]) == [0, 255])
        #expect(decode(.i16, [0x00, 0x80, 0x01, 0x00]) == [-32768, 1])
        #expect(decode(.i32, [0xFF, 0xFF, 0xFF, 0xFF]) == [-1])
        #expect(decode(.i64, [0x00, 0x01, 0, 0, 0, 0, 0, 0]) == [256])
        #expect(decode(.bool, [0, 1, 2]) == [0, 1, 1])
        #expect(decode(.f64, [0, 0, 0, 0, 0, 0, 0xF0, 0x3F]) == [1])
    }

    @Test func encodingIsExactOrFails() throws {
        #expect(try DType.i8.encode([-128, 127]) == [0x80, 0x7F])
        #expect(try DType.i16.encode([-2]) == [0xFE, 0xFF])
        #expect(try DType.bool.encode([0, 1]) == [0, 1])
        for (dtype, value) in [(DType.i8, Float(2.5)), (.i8, 128), (.u8, -1), (.bool, 2), (.i64, .nan), (.f8E4M3, 1)] {
            #expect(throws: DTypeEncodingFailure.self, "\(dtype) \(value)") { try dtype.encode([value]) }
        }
    }

    @Test func byteSizesAndAlignmentOrder() {
        #expect(DType.allCases.map(\.byteSize) == [8, 4, 2, 2, 8, 4, 2, 1, 1, 1, 1, 1])
        let descending = DType.allCases.sorted { $0.alignmentRank > $1.alignmentRank }
        #expect(descending.map(\.rawValue) == ["I64", "F64", "F32", "I32", "BF16", "F16", "I16", "F8_E4M3", "F8_E5M2", "I8", "U8", "BOOL"])
        #expect(zip(descending, descending.dropFirst()).allSatisfy { $0.byteSize >= $1.byteSize })
    }
}
