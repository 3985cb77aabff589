import Foundation
import Testing
@testable import Analysis

/// `check` reads headers only, so its cost does not grow with the weights: a sharded Llama-70B-shaped
/// family (80 layers of 8192 / 28672 BF16 tensors, 30 shards a model, ~141 GB a model) whose safetensors
/// files are headers followed by sparse data sections (ftruncate; no data byte is ever written) is
/// checked in under a second of CPU time and 64 MB of peak memory growth.
struct CompatibilityScaleTests {
    /// The tensors of a Llama-3-70B: name, BF16 shape.
    static func llama70B(layers: Int = 80) -> [(name: String, shape: [Int])] {
        var tensors: [(String, [Int])] = [("model.embed_tokens.weight", [128_256, 8192]), ("lm_head.weight", [128_256, 8192]), ("model.norm.weight", [8192])]
        for layer in 0..<layers {
            let prefix = "model.layers.\(layer)."
            tensors += [
                (prefix + "self_attn.q_proj.weight", [8192, 8192]), (prefix + "self_attn.k_proj.weight", [1024, 8192]),
                (prefix + "self_attn.v_proj.weight", [1024, 8192]), (prefix + "self_attn.o_proj.weight", [8192, 8192]),
                (prefix + "mlp.gate_proj.weight", [28_672, 8192]), (prefix + "mlp.up_proj.weight", [28_672, 8192]),
                (prefix + "mlp.down_proj.weight", [8192, 28_672]), (prefix + "input_layernorm.weight", [8192]),
                (prefix + "post_attention_layernorm.weight", [8192]),
            ]
        }
        return tensors
    }

    /// Writes a sharded checkpoint of `tensors` into `directory`: `shards` files whose data sections are
    /// holes, and `model.safetensors.index.json`; with the config and tokenizer of fixture `base`
    /// (`config` replaces the config's text).
    static func writeSparseCheckpoint(_ tensors: [(name: String, shape: [Int])], shards: Int, in directory: URL, config: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var weightMap = [String]()
        let perShard = (tensors.count + shards - 1) / shards
        for shard in 0..<shards {
            let slice = tensors[min(tensors.count, shard * perShard)..<min(tensors.count, (shard + 1) * perShard)]
            let name = String(format: "model-%05d-of-%05d.safetensors", shard + 1, shards)
            let header = SafetensorsWriter.headerBytes(slice.map { ($0.name, DType.bf16, $0.shape) }, metadata: ["format": "pt"])
            let dataSize = slice.reduce(0) { $0 + $1.shape.reduce(2, *) }
            let url = directory.appendingPathComponent(name)
            #expect(FileManager.default.createFile(atPath: url.path, contents: Data(withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header)))
            let handle = try FileHandle(forWritingTo: url)
            try handle.truncate(atOffset: UInt64(8 + header.count + dataSize))
            try handle.close()
            weightMap += slice.map { "\"\($0.name)\": \"\(name)\"" }
        }
        let index = "{\"metadata\": {}, \"weight_map\": {\(weightMap.joined(separator: ", "))}}"
        try index.write(to: directory.appendingPathComponent("model.safetensors.index.json"), atomically: true, encoding: .utf8)
        try config.write(to: directory.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let tokenizer = CompatibilityFamily.fixtures.appendingPathComponent("base")
        for file in ["tokenizer.json", "tokenizer_config.json", "chat_template.jinja"] {
            try FileManager.default.copyItem(at: tokenizer.appendingPathComponent(file), to: directory.appendingPathComponent(file))
        }
    }

    /// Llama-3-70B's config.json (the shape-defining part), with `ropeTheta`.
    static func config(ropeTheta: Int = 500_000, layers: Int = 80) -> String {
        """
        {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8192, "intermediate_size": 28672,
         "num_attention_heads": 64, "num_key_value_heads": 8, "num_hidden_layers": \(layers), "vocab_size": 128256,
         "max_position_embeddings": 131072, "rope_theta": \(ropeTheta), "tie_word_embeddings": false, "torch_dtype": "bfloat16",
         "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"}}
        """
    }

    @Test func a70BShapedShardedFamilyIsCheckedInUnderASecondAnd64MB() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tensors = Self.llama70B()
        let base = directory.appendingPathComponent("base"), same = directory.appendingPathComponent("ft-same")
        let rope = directory.appendingPathComponent("ft-rope"), short = directory.appendingPathComponent("ft-60-layers")
        try Self.writeSparseCheckpoint(tensors, shards: 30, in: base, config: Self.config())
        try Self.writeSparseCheckpoint(tensors, shards: 30, in: same, config: Self.config())
        try Self.writeSparseCheckpoint(tensors, shards: 29, in: rope, config: Self.config(ropeTheta: 1_000_000))
        try Self.writeSparseCheckpoint(Self.llama70B(layers: 60), shards: 23, in: short, config: Self.config(layers: 60))
        let checkpoint = try Checkpoint(url: base)
        #expect(checkpoint.tensors.count == 723 && checkpoint.byteCount > 140_000_000_000)
        var allocated = 0
        for file in checkpoint.files {
            allocated += try file.url.resourceValues(forKeys: [.totalFileAllocatedSizeKey]).totalFileAllocatedSize ?? 0
        }
        #expect(allocated < 10_000_000, "the shards are sparse: \(allocated) bytes allocated")

        _ = try CompatibilityCheck.run(base: base.path, models: [same.path])  // warm-up: first-use costs of the runtime
        var report: CompatibilityReport?
        let use = try ResourceUse.measure {
            report = try CompatibilityCheck.run(base: base.path, models: [same.path, rope.path, short.path])
        }
        let result = try #require(report)
        #expect(use.seconds < 1, "checking three 70B-shaped models took \(use.seconds) s of CPU")
        #expect(use.peakGrowthMB < 64, "checking grew the peak resident size by \(use.peakGrowthMB) MB")
        #expect(result.models.map(\.status) == [.compatible, .warnings, .incompatible])
        #expect(result.models[1].findings.filter { $0.severity == .warning }.map(\.key) == ["rope_theta"])
        let missing = try #require(result.models[2].findings.first { $0.severity == .incompatible && $0.aspect == .tensors })
        #expect(missing.message.hasPrefix("180 of the base's 723 tensors are missing (layers 60–79)"))
        #expect(result.models[2].findings.contains { $0.key == "num_hidden_layers" && $0.severity == .incompatible })
    }
}
