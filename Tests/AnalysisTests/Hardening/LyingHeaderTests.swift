import Foundation
import Testing
@testable import Analysis

extension Hardening {
    /// Files whose numbers lie — sizes, lengths and offsets far beyond the file, nesting 100 000 deep, a
    /// file that shrinks after opening — give a clear ``CheckpointError`` in bounded time and memory: the
    /// reader never allocates from a number it has not checked against the file's real size.
    ///
    /// Each rule's exact error is asserted in `CheckpointHeaderValidationTests`; this suite adds the lies
    /// that would be expensive if believed, and bounds every case to under a second and under
    /// ``memoryBoundMB`` of peak resident growth.
    struct LyingHeaderTests {
        /// Peak resident growth allowed per case. A believed lie would need gigabytes; the margin covers
        /// tests running concurrently.
        static let memoryBoundMB = 64.0

        /// A file to open, the error it must give (a ``CheckpointError`` case name), and optionally the size
        /// it is cut to after opening, before its tensors are read.
        struct LyingFile: Sendable, CustomTestStringConvertible {
            var name: String
            var bytes: [UInt8]
            var error: String
            var shrinkTo: Int?
            var testDescription: String { name }
        }

        private static func entry(_ name: String, _ dtype: String, _ shape: String, _ offsets: String) -> String {
            #""\#(name)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":\#(offsets)}"#
        }

        private static func file(_ header: String, data: Int = 16, declared: UInt64? = nil, name: String, error: String) -> LyingFile {
            LyingFile(name: name, bytes: RawSafetensors.bytes(header: header, data: [UInt8](repeating: 0, count: data), declaredLength: declared), error: error)
        }

        static let cases: [LyingFile] = [
            file("{\(entry("w", "U8", "[1152921504606846976]", "[0,1152921504606846976]"))}", name: "2^60-element tensor", error: "offsetsBeyondData"),
            file("{\(entry("w", "F32", "[1073741824,1073741824]", "[0,4]"))}", data: 4, name: "2^60-byte shape, 4-byte offsets", error: "byteLengthMismatch"),
            file("{\(entry("w", "F64", "[4611686018427387904]", "[0,16]"))}", name: "2^62 F64 elements overflow", error: "shapeOverflow"),
            file("{}", declared: 99_999_999, name: "header length under the limit but past the end", error: "headerBeyondFile"),
            file("{}", declared: .max, name: "header length 2^64 - 1", error: "headerTooLarge"),
            file("{\(entry("w", "F32", "[4]", "[0,9223372036854775807]"))}", name: "end offset Int.max", error: "offsetsBeyondData"),
            file("{\(entry("a", "F32", "[4]", "[0,16]")),\(entry("b", "F32", "[4]", "[0,16]"))}", name: "two tensors on the same bytes", error: "overlappingTensors"),
            file("{\(entry("w", "F32", "[4]", "[0,16]")),\(entry("w", "F32", "[4]", "[0,16]"))}", name: "duplicate name", error: "malformedHeader"),
            LyingFile(name: "non-UTF-8 name", bytes: RawSafetensors.bytes(headerBytes: Array(#"{"w\#u{FF}":{}}"#.utf8) + [0xC3, 0x28]), error: "headerNotUTF8"),
            file(String(repeating: "[", count: 100_000), data: 0, name: "100 000 unclosed [", error: "malformedHeader"),
            file(String(repeating: "{\"a\":", count: 100_000), data: 0, name: "100 000 nested objects", error: "malformedHeader"),
            file("{\(entry("w", "F32", "[" + String(repeating: "7", count: 100_000) + "]", "[0,16]"))}", name: "100 000-digit dimension", error: "invalidShape"),
            file("{\(entry("w", "F32", "[4]", "[0,16]"))}", data: 10, name: "data cut short", error: "offsetsBeyondData"),
            LyingFile(name: "header cut short", bytes: Array(RawSafetensors.bytes(header: "{\(entry("w", "F32", "[4]", "[0,16]"))}").dropLast(5)), error: "headerBeyondFile"),
            LyingFile(name: "shrinks to nothing after opening", bytes: validFile, error: "truncated", shrinkTo: 0),
            LyingFile(name: "shrinks into its header after opening", bytes: validFile, error: "truncated", shrinkTo: 20),
            LyingFile(name: "shrinks into its data after opening", bytes: validFile, error: "truncated", shrinkTo: validFile.count - 1),
        ]

        /// One 1 MB F32 tensor, as our writer lays it out.
        static let validFile: [UInt8] = {
            let header = "{\(entry("w", "F32", "[512,512]", "[0,1048576]"))}"
            let padded = header + String(repeating: " ", count: (8 - header.utf8.count % 8) % 8)
            return RawSafetensors.bytes(header: padded, data: [UInt8](repeating: 0x3F, count: 1 << 20))
        }()

        @Test(arguments: cases)
        func lyingFileFailsCleanlyInBoundedTimeAndMemory(_ lie: LyingFile) throws {
            let url = try RawSafetensors.write(lie.bytes)
            var error: CheckpointError?
            let use = ResourceUse.measure {
                error = checkpointError {
                    let file = try SafetensorsFile(url: url)
                    if let size = lie.shrinkTo { try FileHandle(forWritingTo: url).truncate(atOffset: UInt64(size)) }
                    for info in file.tensors { _ = try file.tensor(info.name) }
                }
            }
            let found = try #require(error, "\(lie.name) was accepted")
            #expect(Self.caseName(found) == lie.error, "\(lie.name): \(found)")
            #expect(found.description.hasPrefix(url.relativePath) && !found.description.contains("\n"))
            #expect(use.seconds < 1, "\(lie.name) took \(use.seconds) s")
            #expect(use.peakGrowthMB < Self.memoryBoundMB, "\(lie.name) grew the peak resident size by \(use.peakGrowthMB) MB")
        }

        /// Offsets listed out of order are not a lie: tensors that tile the buffer in any order are read
        /// back exactly.
        @Test func unsortedOffsetsThatTileAreRead() throws {
            let header = "{\(Self.entry("b", "F32", "[1]", "[4,8]")),\(Self.entry("a", "F32", "[1]", "[0,4]"))}"
            let data = withUnsafeBytes(of: Float(1).bitPattern.littleEndian) { Array($0) } + withUnsafeBytes(of: Float(2).bitPattern.littleEndian) { Array($0) }
            let file = try SafetensorsFile(url: try RawSafetensors.write(RawSafetensors.bytes(header: header, data: data)))
            #expect(try file.tensor("a").values == [1] && file.tensor("b").values == [2])
        }

        /// The enum case of `error`, e.g. `offsetsBeyondData`.
        static func caseName(_ error: CheckpointError) -> String {
            Mirror(reflecting: error).children.first?.label ?? "\(error)"
        }
    }
}
