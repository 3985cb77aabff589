import Foundation
import Testing
@testable import Analysis

/// ``TorchCheckpointFile`` over files written by real `torch.save` (`reference/torch_fixtures.py`):
/// values equal what `torch.load(weights_only=True)` reads; shards, adapters, legacy files and
/// refused globals; a family in `.bin` form analyses exactly as the same family in safetensors.
struct TorchCheckpointTests {
    private static let directory = Fixtures.url("torch")

    private struct Expected: Decodable {
        let dtype: String
        let shape: [Int]
        let values: [Value]
    }

    /// A float64 value, or "inf" / "-inf" / "nan".
    private struct Value: Decodable {
        let number: Double
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) {
                self.number = number
            } else {
                self.number = ["inf": .infinity, "-inf": -.infinity][try container.decode(String.self)] ?? .nan
            }
        }
    }

    @Test func everyDTypeSharedStorageAndViewEqualsTorchLoad() throws {
        let expected = try JSONDecoder().decode([String: Expected].self, from: Data(contentsOf: Self.directory.appendingPathComponent("state_dict.json")))
        let file = try TorchCheckpointFile(url: Self.directory.appendingPathComponent("state_dict.bin"))
        #expect(file.tensors.map(\.name) == expected.keys.sorted())
        for (name, reference) in expected {
            let info = try #require(file.info(name))
            #expect(info.dtype.rawValue == reference.dtype, "\(name)")
            #expect(info.shape == reference.shape, "\(name)")
            #expect(info.byteCount == info.numel * info.dtype.byteSize)
            let tensor = try file.tensor(name)
            #expect(tensor.shape == reference.shape)
            #expect(tensor.values == reference.values.map { Float($0.number) }, "\(name)")
        }
        #expect(Set(expected.values.map(\.dtype)) == ["F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"])
    }

    @Test func sharedStoragesAndViewsAreReadFromTheSameBytes() throws {
        let file = try TorchCheckpointFile(url: Self.directory.appendingPathComponent("state_dict.bin"))
        let whole = try file.tensor("shared.whole")
        #expect(whole.values == (0..<12).map(Float.init))
        #expect(try file.tensor("shared.tail").values == Array(whole.values[6...]))
        #expect(try file.tensor("shared.tail").shape == [2, 3])
        #expect(try file.tensor("view.transposed") == Tensor(try #require(whole.matrix).transposed))
        #expect(try file.tensor("view.slice") == Tensor(shape: [3, 3], values: [7, 9, 11, 13, 15, 17, 19, 21, 23]))
        #expect(file.info("shared.tail")?.dataOffsets == 24..<48)
        #expect(try file.tensor("scalar") == Tensor(shape: [], values: [2.5]))
        #expect(try file.tensor("empty") == Tensor(shape: [0, 3], values: []))
    }

    @Test func shardedDirectoryOpensThroughItsIndex() throws {
        let sharded = Self.directory.appendingPathComponent("sharded")
        let expected = try JSONDecoder().decode([String: [Double]].self, from: Data(contentsOf: sharded.appendingPathComponent("expected.json")))
        let checkpoint = try Checkpoint(url: sharded)
        #expect(checkpoint.indexURL?.lastPathComponent == "pytorch_model.bin.index.json")
        #expect(checkpoint.files.count == 2)
        #expect(checkpoint.tensors.map(\.name) == ["a.weight", "b.bias", "b.weight"])
        for (name, values) in expected { #expect(try checkpoint.tensor(name).values == values.map(Float.init)) }
        #expect(checkpoint.file(containing: "b.bias")?.url.lastPathComponent == "pytorch_model-00002-of-00002.bin")
    }

    @Test func legacyFormatIsRefusedWithTheWayOut() throws {
        let url = Self.directory.appendingPathComponent("legacy.bin")
        guard case let .unsupportedTorchFormat(file, reason)? = checkpointError({ _ = try Checkpoint(url: url) }) else {
            Issue.record("legacy file accepted")
            return
        }
        #expect(file == url.relativePath)
        #expect(reason.contains("before PyTorch 1.6") && reason.contains("re-save") && reason.contains("safetensors"))
    }

    @Test func globalsBeyondTensorsAreRefusedByName() throws {
        let url = Self.directory.appendingPathComponent("module.bin")
        let error = checkpointError { _ = try TorchCheckpointFile(url: url) }
        #expect(error == .refusedGlobal(file: url.relativePath, global: "torch.nn.modules.linear.Linear"))
        #expect(error?.description.contains("refused global \"torch.nn.modules.linear.Linear\"") == true)
        let tensorOnly = Self.directory.appendingPathComponent("tensor_not_dict.bin")
        #expect(checkpointError { _ = try TorchCheckpointFile(url: tensorOnly) }
            == .invalidTorchFile(file: tensorOnly.relativePath, reason: "data.pkl holds a tensor, not a state dict"))
    }

    @Test func adapterModelBinIsReadLikeItsSafetensorsTwin() throws {
        let bin = try LoRAAdapter(directory: Self.directory.appendingPathComponent("family/bin/lora"))
        let safetensors = try LoRAAdapter(directory: Self.directory.appendingPathComponent("family/safetensors/lora"))
        #expect(bin.file is TorchCheckpointFile)
        #expect(bin.modules.map(\.name) == safetensors.modules.map(\.name) && bin.modules.map(\.weightShape) == safetensors.modules.map(\.weightShape))
        #expect(bin.modules.map(\.scale) == safetensors.modules.map(\.scale))
        #expect(try bin.update(for: bin.modules[0]).dense == safetensors.update(for: safetensors.modules[0]).dense)
    }

    @Test func familyInPyTorchFormAnalysesExactlyAsInSafetensors() throws {
        func report(_ form: String) throws -> [String: Any] {
            let root = Self.directory.appendingPathComponent("family/\(form)")
            let family = try ModelFamily.open(
                base: root.appendingPathComponent("base").path,
                models: ["full", "lora"].map { root.appendingPathComponent($0).path })
            let encoded = try JSONEncoder().encode(try FamilyAnalyzer().analyze(family))
            var object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
            object["base"] = nil
            object["models"] = nil
            return object
        }
        let bin = try report("bin"), safetensors = try report("safetensors")
        #expect(NSDictionary(dictionary: bin) == NSDictionary(dictionary: safetensors))
        #expect((bin["layers"] as? [Any])?.count == 2)
    }
}
