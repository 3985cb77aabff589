import Foundation
import Testing
@testable import Analysis

/// ``SafetensorsWriter`` and ``AtomicFile``: round trips, layout, atomicity.
struct CheckpointSafetensorsWriterTests {
    private let tensors: [String: Tensor] = [
        "w": TestModels.random([3, 5], seed: 7),
        "b": TestModels.random([5], seed: 8),
        "s": Tensor(shape: [], values: [1.5]),
        "e": Tensor(shape: [0, 4], values: []),
    ]

    @Test(arguments: [DType.f32, .f16, .bf16])
    func roundTrip(dtype: DType) throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("model.safetensors")
        try SafetensorsWriter.write(tensors, to: url, dtype: dtype)
        let file = try SafetensorsFile(url: url)
        #expect(file.tensors.map(\.name) == ["b", "e", "s", "w"])
        #expect(file.tensors.allSatisfy { $0.dtype == dtype })
        #expect(file.metadata == ["format": "pt"])
        for (name, original) in tensors {
            let read = try file.tensor(name)
            #expect(read.shape == original.shape)
            let expected = original.values.map { value in
                switch dtype {
                case .f16: return HalfPrecision.float(fromHalf: HalfPrecision.half(from: value))
                case .bf16: return HalfPrecision.float(fromBFloat16: HalfPrecision.bfloat16(from: value))
                default: return value
                }
            }
            #expect(read.values == expected)
        }
    }

    @Test func headerIsPaddedWithSpacesToAMultipleOf8() throws {
        for nameLength in 1...9 {
            let url = try Fixtures.temporaryDirectory().appendingPathComponent("x.safetensors")
            try SafetensorsWriter.write([String(repeating: "n", count: nameLength): Tensor(shape: [1], values: [1])], to: url, metadata: nil)
            let bytes = [UInt8](try Data(contentsOf: url))
            let length = Int(bytes[0..<8].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
            #expect(length % 8 == 0)
            let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
            let unpadded = header.reversed().drop { $0 == " " }
            #expect(unpadded.first == "}")
            #expect(length - unpadded.count < 8)
        }
    }

    @Test func layoutFollowsTheReferenceOrdering() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("m.safetensors")
        let one = Tensor(shape: [1], values: [1])
        try SafetensorsWriter.write(
            ["a.u8": one, "b.f16": one, "c.f64": one, "d.f32": one, "e.f32": one, "f.i64": one], to: url,
            dtypes: ["a.u8": .u8, "b.f16": .f16, "c.f64": .f64, "f.i64": .i64])
        let file = try SafetensorsFile(url: url)
        let byOffset = file.tensors.sorted { $0.dataOffsets.lowerBound < $1.dataOffsets.lowerBound }.map(\.name)
        #expect(byOffset == ["f.i64", "c.f64", "d.f32", "e.f32", "b.f16", "a.u8"])
        #expect(file.tensors.allSatisfy { $0.dataOffsets.lowerBound % $0.dtype.byteSize == 0 })
    }

    @Test func metadataAndNamesAreEscapedAsJSON() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("m.safetensors")
        let name = "quote\" back\\ tab\t nul\u{0} é"
        try SafetensorsWriter.write([name: Tensor(shape: [1], values: [2])], to: url, metadata: ["k\n": "v\u{1F}", "format": "pt"])
        let file = try SafetensorsFile(url: url)
        #expect(file.tensors.map(\.name) == [name])
        #expect(file.metadata == ["k\n": "v\u{1F}", "format": "pt"])
        #expect(SafetensorsWriter.jsonString("a\"\\\u{1F}\u{08}") == #""a\"\\\u001f\b""#)
    }

    @Test func atomicWriteLeavesOnlyTheDestination() throws {
        let directory = try Fixtures.temporaryDirectory()
        let url = directory.appendingPathComponent("model.safetensors")
        try SafetensorsWriter.write(tensors, to: url)
        try SafetensorsWriter.write(tensors, to: url, dtype: .f16)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
        #expect(try SafetensorsFile(url: url).tensors.allSatisfy { $0.dtype == .f16 })
    }

    @Test func failedWriteLeavesTheOldFileAndNoTemporary() throws {
        let directory = try Fixtures.temporaryDirectory()
        let url = directory.appendingPathComponent("model.safetensors")
        try SafetensorsWriter.write(tensors, to: url)
        let before = try Data(contentsOf: url)
        let error = checkpointError {
            try SafetensorsWriter.write(["w": Tensor(shape: [2], values: [1, 2.5])], to: url, dtypes: ["w": .i8])
        }
        #expect(error == .unencodable(file: url.relativePath, tensor: "w", dtype: .i8, reason: "value 2.5 at index 1 is not representable in I8"))
        #expect(try Data(contentsOf: url) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
    }

    @Test func reservedNameIsRefused() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("m.safetensors")
        let error = checkpointError { try SafetensorsWriter.write(["__metadata__": Tensor(shape: [1], values: [1])], to: url) }
        guard case .unencodable(_, "__metadata__", _, _)? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func atomicFileStreamsChunksAndPropagatesErrors() throws {
        struct Abort: Error {}
        let directory = try Fixtures.temporaryDirectory()
        let url = directory.appendingPathComponent("report.txt")
        try AtomicFile.write(to: url) { sink in
            try sink.write("hello ")
            try sink.write(Array("world".utf8))
        }
        #expect(try String(contentsOf: url, encoding: .utf8) == "hello world")
        #expect(throws: Abort.self) { try AtomicFile.write(to: url) { sink in try sink.write("partial"); throw Abort() } }
        #expect(try String(contentsOf: url, encoding: .utf8) == "hello world")
        try AtomicFile.write(data: Data("replaced".utf8), to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "replaced")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["report.txt"])
        let missing = directory.appendingPathComponent("no/such/dir.txt")
        guard case .unwritable? = checkpointError({ try AtomicFile.write(data: Data(), to: missing) }) else { Issue.record("expected unwritable"); return }
        let occupied = directory.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: false)
        try Data().write(to: occupied.appendingPathComponent("keep"))
        guard case .unwritable? = checkpointError({ try AtomicFile.write(data: Data("x".utf8), to: occupied) }) else {
            Issue.record("rename over a non-empty directory succeeded")
            return
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["occupied", "report.txt"])
    }
}
