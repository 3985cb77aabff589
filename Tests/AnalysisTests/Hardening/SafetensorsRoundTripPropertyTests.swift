import Foundation
import Testing
@testable import Analysis

extension Hardening {
    /// Seeded randomised round trips: whatever ``SafetensorsWriter`` writes, ``SafetensorsFile`` reads back
    /// exactly — names with any Unicode (quotes, backslashes, control characters, emoji, the empty name),
    /// shapes with zero dimensions and scalars, every float dtype including ±0, ±∞ and NaN, and integers
    /// across the dtype's range.
    struct SafetensorsRoundTripPropertyTests {
        /// Characters names and metadata are drawn from: plain, JSON-escaped, multi-byte and astral.
        static let alphabet: [Character] = Array("abcXYZ019._-/ ") + ["\"", "\\", "\n", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "ß", "权", "重", "😀", "\u{301}", "\u{2028}"]

        static func randomString(_ rng: inout SplitMix64, maximumLength: Int) -> String {
            String((0..<Int.random(in: 0...maximumLength, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
        }

        /// A random value exactly representable in `dtype` (any bit pattern for the float types).
        static func randomValue(_ dtype: DType, _ rng: inout SplitMix64) -> Float {
            switch dtype {
            case .f32: return Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            case .f64: return Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            case .f16: return HalfPrecision.float(fromHalf: UInt16(truncatingIfNeeded: rng.next()))
            case .bf16: return HalfPrecision.float(fromBFloat16: UInt16(truncatingIfNeeded: rng.next()))
            case .i8: return Float(Int8(truncatingIfNeeded: rng.next()))
            case .u8: return Float(UInt8(truncatingIfNeeded: rng.next()))
            default: preconditionFailure("not drawn")
            }
        }

        /// Bit-exact equality, with any NaN equal to any NaN.
        static func same(_ a: Float, _ b: Float) -> Bool { a.isNaN ? b.isNaN : a.bitPattern == b.bitPattern }

        @Test(arguments: 0..<50)
        func readerReturnsWhatTheWriterWrote(index: Int) throws {
            var rng = SplitMix64(seed: 3_000 + UInt64(index))
            var tensors = [String: Tensor](), dtypes = [String: DType]()
            for _ in 0..<Int.random(in: 0...6, using: &rng) {
                let name = Self.randomString(&rng, maximumLength: 12)
                guard name != "__metadata__", tensors[name] == nil else { continue }
                let dtype = [DType.f32, .f16, .bf16, .f64, .i8, .u8].randomElement(using: &rng)!
                let shape = (0..<Int.random(in: 0...3, using: &rng)).map { _ in Int.random(in: 0...4, using: &rng) }
                tensors[name] = Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Self.randomValue(dtype, &rng) })
                dtypes[name] = dtype
            }
            let metadata: [String: String]? = Bool.random(using: &rng) ? nil
                : Dictionary((0..<3).map { _ in (Self.randomString(&rng, maximumLength: 6), Self.randomString(&rng, maximumLength: 6)) }) { $1 }
            let url = try Fixtures.temporaryDirectory().appendingPathComponent("round-trip.safetensors")
            try SafetensorsWriter.write(tensors, to: url, dtypes: dtypes, metadata: metadata)
            let file = try SafetensorsFile(url: url)
            #expect(file.metadata == (metadata ?? [:]))
            #expect(file.tensors.map(\.name) == tensors.keys.sorted(), "case \(index)")
            for info in file.tensors {
                let written = try #require(tensors[info.name])
                let read = try file.tensor(info.name)
                #expect(info.dtype == dtypes[info.name] && read.shape == written.shape, "case \(index): \(info.name.debugDescription)")
                #expect(zip(read.values, written.values).allSatisfy(Self.same), "case \(index): \(info.name.debugDescription) as \(info.dtype)")
            }
        }
    }
}
