import Foundation
import Testing
@testable import Analysis

/// Cross-checks against an independent writer: `reference/write_safetensors_fixture.py` (numpy, byte by
/// byte) wrote `numpy_written.safetensors` and the values it decodes back in `numpy_written.json`.
struct CheckpointNumpyFixtureTests {
    private struct Expected: Decodable {
        struct Entry: Decodable {
            let dtype: String
            let shape: [Int]
            /// Python float reprs, "inf"/"-inf"/"nan" for non-finite values.
            let values: [String]
        }
        let order: [String]
        let tensors: [String: Entry]
    }

    private let fileURL = Fixtures.url("numpy_written.safetensors")

    private func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: Fixtures.url("numpy_written.json")))
    }

    @Test func readsEveryTensorExactly() throws {
        let expected = try expected()
        let file = try SafetensorsFile(url: fileURL)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensors.map(\.name) == expected.tensors.keys.sorted())
        for info in file.tensors {
            let entry = try #require(expected.tensors[info.name])
            #expect(info.dtype.rawValue == entry.dtype)
            let tensor = try file.tensor(info.name)
            #expect(tensor.shape == entry.shape)
            let values = try entry.values.map { try #require(Double($0)) }
            #expect(tensor.values.count == values.count)
            for (read, value) in zip(tensor.values, values) {
                #expect(read.isNaN ? value.isNaN : Double(read) == value, "\(info.name): \(read) vs \(value)")
            }
        }
    }

    @Test func offsetsFollowTheReferenceLayout() throws {
        let file = try SafetensorsFile(url: fileURL)
        let byOffset = file.tensors.sorted { ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound) }
        #expect(byOffset.map(\.name) == (try expected().order))
    }

    /// Same tensors, dtypes and metadata → the same bytes: header order, JSON spelling, padding, encodings.
    @Test func ourWriterReproducesTheFileByteForByte() throws {
        let file = try SafetensorsFile(url: fileURL)
        var tensors = [String: Tensor]()
        var dtypes = [String: DType]()
        for info in file.tensors {
            tensors[info.name] = try file.tensor(info.name)
            dtypes[info.name] = info.dtype
        }
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("rewritten.safetensors")
        try SafetensorsWriter.write(tensors, to: url, dtypes: dtypes, metadata: file.metadata)
        #expect(try Data(contentsOf: url) == Data(contentsOf: fileURL))
    }
}
