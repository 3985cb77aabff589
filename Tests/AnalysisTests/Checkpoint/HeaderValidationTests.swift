import Foundation
import Testing
@testable import Analysis

/// Every header rule of ``SafetensorsHeaderParser``, each broken by a tiny hand-written file: the error
/// case is asserted exactly, and its message names the file and the tensor.
struct CheckpointHeaderValidationTests {
    private let tensor = "encoder.x.weight"

    private func entry(_ name: String, dtype: String = "F32", shape: String = "[2, 2]", offsets: String = "[0, 16]") -> String {
        "\"\(name)\": {\"dtype\": \"\(dtype)\", \"shape\": \(shape), \"data_offsets\": \(offsets)}"
    }

    private func expectNames(_ error: CheckpointError?, _ path: String, tensor: String? = nil) {
        let message = error?.description ?? ""
        #expect(message.contains(path))
        if let tensor { #expect(message.contains("\"\(tensor)\"")) }
        #expect(!message.contains("\n"))
    }

    @Test func headerLengthOverLimit() throws {
        let url = try RawSafetensors.write(RawSafetensors.bytes(header: "{}", declaredLength: 100_000_001))
        let error = checkpointError { _ = try SafetensorsFile(url: url) }
        #expect(error == .headerTooLarge(file: url.relativePath, length: 100_000_001))
        expectNames(error, url.relativePath)
    }

    @Test func headerLengthBeyondFile() throws {
        let url = try RawSafetensors.write(RawSafetensors.bytes(header: "{}", declaredLength: 1000))
        let error = checkpointError { _ = try SafetensorsFile(url: url) }
        #expect(error == .headerBeyondFile(file: url.relativePath, length: 1000, fileSize: 10))
        expectNames(error, url.relativePath)
    }

    @Test func fileShorterThanLengthPrefix() throws {
        let url = try RawSafetensors.write([1, 0, 0])
        #expect(checkpointError { _ = try SafetensorsFile(url: url) } == .fileTooSmall(file: url.relativePath, size: 3))
    }

    @Test func headerNotUTF8() throws {
        let url = try RawSafetensors.write(RawSafetensors.bytes(headerBytes: [0x7B, 0x22, 0xFF, 0x22, 0x7D]))
        let error = checkpointError { _ = try SafetensorsFile(url: url) }
        #expect(error == .headerNotUTF8(file: url.relativePath))
        expectNames(error, url.relativePath)
    }

    @Test func headerNotAnObject() throws {
        let (error, path) = try RawSafetensors.openingError(header: "[1, 2]")
        #expect(error == .malformedHeader(file: path, tensor: nil, reason: "header is not a JSON object"))
        expectNames(error, path)
    }

    @Test func duplicateTensorName() throws {
        let header = "{\(entry(tensor)), \(entry(tensor, offsets: "[16, 32]"))}"
        let (error, path) = try RawSafetensors.openingError(header: header, data: .init(repeating: 0, count: 32))
        guard case let .malformedHeader(file, name, reason)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(file == path && name == tensor && reason.contains("duplicate key"))
        expectNames(error, path, tensor: tensor)
    }

    @Test func deepNestingIsRejectedWithoutRecursing() throws {
        for depth in [65, 200_000] {
            let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            let (error, path) = try RawSafetensors.openingError(header: "{\"\(tensor)\": \(nested)}")
            guard case let .malformedHeader(_, name, reason)? = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(name == tensor && reason.contains("nesting deeper than 64"))
            expectNames(error, path, tensor: tensor)
        }
    }

    @Test func unknownDType() throws {
        let (error, path) = try RawSafetensors.openingError(header: "{\(entry(tensor, dtype: "F33"))}", data: .init(repeating: 0, count: 16))
        #expect(error == .unknownDType(file: path, tensor: tensor, dtype: "F33"))
        expectNames(error, path, tensor: tensor)
    }

    @Test func negativeDimension() throws {
        let (error, path) = try RawSafetensors.openingError(header: "{\(entry(tensor, shape: "[-1, 2]"))}", data: .init(repeating: 0, count: 16))
        #expect(error == .invalidShape(file: path, tensor: tensor, reason: "dimension -1 is negative"))
        expectNames(error, path, tensor: tensor)
    }

    @Test func nonIntegerDimension() throws {
        let (error, _) = try RawSafetensors.openingError(header: "{\(entry(tensor, shape: "[2.0, 2]"))}", data: .init(repeating: 0, count: 16))
        guard case .invalidShape? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func overflowingShape() throws {
        let cases: [(dtype: String, shape: [Int])] = [("F64", [1 << 60]), ("F32", [1 << 31, 1 << 31, 1 << 31])]
        for (dtype, shape) in cases {
            let header = "{\(entry(tensor, dtype: dtype, shape: "\(shape)"))}"
            let (error, path) = try RawSafetensors.openingError(header: header, data: .init(repeating: 0, count: 16))
            #expect(error == .shapeOverflow(file: path, tensor: tensor, dtype: DType(rawValue: dtype)!, shape: shape))
            expectNames(error, path, tensor: tensor)
        }
    }

    @Test func byteLengthMismatch() throws {
        let (error, path) = try RawSafetensors.openingError(header: "{\(entry(tensor, offsets: "[0, 12]"))}", data: .init(repeating: 0, count: 12))
        #expect(error == .byteLengthMismatch(file: path, tensor: tensor, dtype: .f32, shape: [2, 2], offsets: 0..<12))
        #expect(error?.description == "\(path): tensor \"encoder.x.weight\": data_offsets [0, 12] cover 12 bytes but F32 [2, 2] needs 16")
    }

    @Test func offsetsPastEndOfData() throws {
        let (error, path) = try RawSafetensors.openingError(header: "{\(entry(tensor))}", data: .init(repeating: 0, count: 8))
        #expect(error == .offsetsBeyondData(file: path, tensor: tensor, offsets: 0..<16, dataSize: 8))
        expectNames(error, path, tensor: tensor)
    }

    @Test func offsetsReversedOrMalformed() throws {
        for offsets in ["[16, 0]", "[0]", "[0, \"16\"]", "[-4, 12]"] {
            let (error, path) = try RawSafetensors.openingError(header: "{\(entry(tensor, offsets: offsets))}", data: .init(repeating: 0, count: 16))
            guard case .invalidOffsets(path, tensor, _)? = error else { Issue.record("\(offsets): got \(String(describing: error))"); continue }
            expectNames(error, path, tensor: tensor)
        }
    }

    @Test func overlappingTensors() throws {
        let header = "{\(entry("a", shape: "[2]", offsets: "[0, 8]")), \(entry("b", shape: "[2]", offsets: "[4, 12]"))}"
        let (error, path) = try RawSafetensors.openingError(header: header, data: .init(repeating: 0, count: 12))
        #expect(error == .overlappingTensors(file: path, tensor: "b", previous: "a", offsets: 4..<12, previousEnd: 8))
        expectNames(error, path, tensor: "b")
    }

    @Test func holeBetweenTensors() throws {
        let header = "{\(entry("a", shape: "[2]", offsets: "[0, 8]")), \(entry("b", shape: "[2]", offsets: "[12, 20]"))}"
        let (error, path) = try RawSafetensors.openingError(header: header, data: .init(repeating: 0, count: 20))
        #expect(error == .gapBeforeTensor(file: path, tensor: "b", previous: "a", offsets: 12..<20, previousEnd: 8))
        expectNames(error, path, tensor: "b")
    }

    @Test func holeBeforeFirstTensor() throws {
        let header = "{\(entry(tensor, shape: "[2]", offsets: "[4, 12]"))}"
        let (error, path) = try RawSafetensors.openingError(header: header, data: .init(repeating: 0, count: 12))
        #expect(error == .gapBeforeTensor(file: path, tensor: tensor, previous: nil, offsets: 4..<12, previousEnd: 0))
    }

    @Test func bytesAfterLastTensor() throws {
        let header = "{\(entry(tensor, shape: "[2]", offsets: "[0, 8]"))}"
        let (error, path) = try RawSafetensors.openingError(header: header, data: .init(repeating: 0, count: 12))
        #expect(error == .trailingData(file: path, lastTensor: tensor, dataEnd: 8, dataSize: 12))
        expectNames(error, path, tensor: tensor)
    }

    @Test func metadataValueNotAString() throws {
        let (error, path) = try RawSafetensors.openingError(header: "{\"__metadata__\": {\"format\": 1}}")
        #expect(error == .invalidMetadata(file: path, key: "format", reason: "value 1 is not a string"))
        expectNames(error, path, tensor: "format")
        let (notAMap, _) = try RawSafetensors.openingError(header: "{\"__metadata__\": [\"pt\"]}")
        guard case .invalidMetadata(_, nil, _)? = notAMap else { Issue.record("got \(String(describing: notAMap))"); return }
    }

    @Test func entryFieldsMissingOrWrongType() throws {
        let headers = [
            "{\"\(tensor)\": 5}",
            "{\"\(tensor)\": {\"shape\": [], \"data_offsets\": [0, 4]}}",
            "{\"\(tensor)\": {\"dtype\": 1, \"shape\": [], \"data_offsets\": [0, 4]}}",
            "{\"\(tensor)\": {\"dtype\": \"F32\", \"shape\": 1, \"data_offsets\": [0, 4]}}",
            "{\"\(tensor)\": {\"dtype\": \"F32\", \"shape\": []}}",
        ]
        for header in headers {
            let (error, path) = try RawSafetensors.openingError(header: header, data: .init(repeating: 0, count: 4))
            guard case .malformedHeader(path, tensor, _)? = error else { Issue.record("\(header): got \(String(describing: error))"); continue }
        }
    }

    @Test func validHeaderWithPaddingNullMetadataAndUnknownFields() throws {
        let header = "{\"__metadata__\": null, \"b\": {\"dtype\": \"F16\", \"shape\": [1], \"data_offsets\": [0, 2], \"extra\": true},"
            + " \(entry("a", shape: "[]", offsets: "[2, 6]"))}    "
        let url = try RawSafetensors.write(RawSafetensors.bytes(header: header, data: .init(repeating: 0, count: 6)))
        let file = try SafetensorsFile(url: url)
        #expect(file.tensors.map(\.name) == ["a", "b"])
        #expect(file.metadata.isEmpty)
        #expect(file.dataStart == 8 + header.utf8.count)
        #expect(try file.tensor("a") == Tensor(shape: [], values: [0]))
    }

    @Test func truncatedAfterOpeningIsAnErrorNotACrash() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("model.safetensors")
        try SafetensorsWriter.write(["a": TestModels.random([4, 4], seed: 1), "b": TestModels.random([4], seed: 2)], to: url)
        let file = try SafetensorsFile(url: url)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(size - 8))
        try handle.close()
        #expect(throws: Never.self) { _ = try file.tensor("a") }
        let error = checkpointError { _ = try file.tensor("b") }
        #expect(error == .truncated(file: url.relativePath, tensor: "b", needed: size, fileSize: size - 8))
        expectNames(error, url.relativePath, tensor: "b")
        let reopened = checkpointError { _ = try SafetensorsFile(url: url) }
        #expect(reopened == .offsetsBeyondData(file: url.relativePath, tensor: "b", offsets: 64..<80, dataSize: 72))
    }

    @Test func directoryIsNotASafetensorsFile() throws {
        let directory = try Fixtures.temporaryDirectory()
        #expect(checkpointError { _ = try SafetensorsFile(url: directory) } == .unreadable(file: directory.relativePath, reason: "not a regular file"))
    }

    @Test func unknownTensorName() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("model.safetensors")
        try SafetensorsWriter.write(["a": Tensor(shape: [1], values: [1])], to: url)
        let error = checkpointError { _ = try SafetensorsFile(url: url).tensor("missing") }
        #expect(error == .tensorNotFound(file: url.relativePath, tensor: "missing"))
    }
}
