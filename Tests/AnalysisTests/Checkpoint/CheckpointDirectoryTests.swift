import Foundation
import Testing
@testable import Analysis

/// ``Checkpoint`` over files, Hugging Face directories and sharded directories built by the tests.
struct CheckpointDirectoryTests {
    private let first = ["a.weight": TestModels.random([2, 3], seed: 1), "a.bias": TestModels.random([2], seed: 2)]
    private let second = ["b.weight": TestModels.random([3, 3], seed: 3)]

    /// A sharded directory: two shards and an index mapping `weightMap` (default: the true placement).
    private func shardedDirectory(weightMap: [String: String]? = nil) throws -> URL {
        let directory = try Fixtures.temporaryDirectory()
        try TestModels.checkpoint(first, in: directory, file: "model-00001-of-00002.safetensors")
        try TestModels.checkpoint(second, in: directory, file: "model-00002-of-00002.safetensors")
        let map = weightMap ?? [
            "a.weight": "model-00001-of-00002.safetensors", "a.bias": "model-00001-of-00002.safetensors",
            "b.weight": "model-00002-of-00002.safetensors",
        ]
        let entries = map.keys.sorted().map { "\"\($0)\": \"\(map[$0]!)\"" }.joined(separator: ", ")
        let index = "{\"metadata\": {\"total_size\": 68}, \"weight_map\": {\(entries)}}"
        try Data(index.utf8).write(to: directory.appendingPathComponent("model.safetensors.index.json"))
        return directory
    }

    @Test func shardedDirectoryMergesTensors() throws {
        let directory = try shardedDirectory()
        let checkpoint = try Checkpoint(url: directory)
        #expect(checkpoint.tensors.map(\.name) == ["a.bias", "a.weight", "b.weight"])
        #expect(checkpoint.files.count == 2)
        #expect(checkpoint.indexURL?.lastPathComponent == "model.safetensors.index.json")
        #expect(checkpoint.file(containing: "b.weight")?.url.lastPathComponent == "model-00002-of-00002.safetensors")
        #expect(try checkpoint.tensor("b.weight") == second["b.weight"])
        #expect(try checkpoint.tensor("a.bias") == first["a.bias"])
        #expect(checkpoint.parameterCount == 17)
        #expect(checkpoint.byteCount == 68)
    }

    @Test func missingShardIsNamed() throws {
        let directory = try shardedDirectory(weightMap: ["a.weight": "model-00001-of-00002.safetensors", "c.weight": "model-00003-of-00003.safetensors"])
        let index = directory.appendingPathComponent("model.safetensors.index.json").relativePath
        let error = checkpointError { _ = try Checkpoint(url: directory) }
        #expect(error == .missingShard(index: index, shard: "model-00003-of-00003.safetensors", tensor: "c.weight"))
        #expect(error?.description.contains("model-00003-of-00003.safetensors") == true)
        #expect(error?.description.contains("\"c.weight\"") == true)
    }

    @Test func tensorMappedToTheWrongShard() throws {
        let directory = try shardedDirectory(weightMap: ["a.weight": "model-00002-of-00002.safetensors"])
        let index = directory.appendingPathComponent("model.safetensors.index.json").relativePath
        let error = checkpointError { _ = try Checkpoint(url: directory) }
        #expect(error == .tensorNotInShard(index: index, shard: "model-00002-of-00002.safetensors", tensor: "a.weight"))
    }

    @Test(arguments: [
        #"{"weight_map": {"a": "../model.safetensors"}}"#, #"{"weight_map": {}}"#, #"{"weight_map": {"a": 3}}"#, "[]",
        #"{"weight_map": {"a": "x",}}"#, #"{"weight_map": {"a": "/etc/model.safetensors"}}"#,
    ])
    func invalidIndex(_ text: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        try Data(text.utf8).write(to: directory.appendingPathComponent("model.safetensors.index.json"))
        guard case .invalidShardIndex? = checkpointError({ _ = try Checkpoint(url: directory) }) else {
            Issue.record("expected invalidShardIndex for \(text)")
            return
        }
    }

    @Test func fileAndDirectoryForms() throws {
        let directory = try Fixtures.temporaryDirectory()
        let file = try TestModels.checkpoint(first, in: directory)
        #expect(try Checkpoint(url: file).tensors.map(\.name) == ["a.bias", "a.weight"])
        #expect(try Checkpoint(url: directory).files.map(\.url) == [file])
        let other = try Fixtures.temporaryDirectory()
        try TestModels.checkpoint(second, in: other, file: "diffusion_pytorch_model.safetensors")
        #expect(try Checkpoint(url: other).tensors.map(\.name) == ["b.weight"])
    }

    @Test func refusesLegacyPickleUnknownFilesAndAdapterDirectories() throws {
        let pickle = try Fixtures.temporaryDirectory()
        try Data([0x80, 0x02]).write(to: pickle.appendingPathComponent("pytorch_model.bin"))
        guard case let .unsupportedTorchFormat(_, legacy)? = checkpointError({ _ = try Checkpoint(url: pickle) }) else {
            Issue.record("expected unsupportedTorchFormat")
            return
        }
        #expect(legacy.contains("legacy torch.save format"))
        let other = try Fixtures.temporaryDirectory()
        try Data([0x80, 0x02]).write(to: other.appendingPathComponent("training_args.bin"))
        guard case let .notACheckpoint(_, reason)? = checkpointError({ _ = try Checkpoint(url: other) }) else {
            Issue.record("expected notACheckpoint")
            return
        }
        #expect(reason.contains("not guessed at") && reason.contains("training_args.bin"))
        let adapter = try Fixtures.temporaryDirectory()
        try TestModels.adapter(config: TestModels.loraConfig(), tensors: [:], in: adapter)
        guard case let .notACheckpoint(_, adapterReason)? = checkpointError({ _ = try Checkpoint(url: adapter) }) else {
            Issue.record("expected notACheckpoint")
            return
        }
        #expect(adapterReason.contains("LoRA adapter"))
        let missing = pickle.appendingPathComponent("nothing-here")
        #expect(checkpointError { _ = try Checkpoint(url: missing) } == .unreadable(file: missing.relativePath, reason: "no such file or directory"))
    }
}
