import Foundation
import Testing
@testable import Analysis

/// ``LoRAAdapter`` and ``LoRAConfig`` over adapter directories written by the tests.
struct CheckpointLoRATests {
    private let prefix = "base_model.model."

    /// Factors for `modules` (rank `rank`, out×in = `out`×`in`), keyed as PEFT saves them.
    private func factors(_ modules: [String], rank: Int = 2, out: Int = 4, in: Int = 3) -> [String: Tensor] {
        var tensors = [String: Tensor]()
        for (index, module) in modules.enumerated() {
            tensors[prefix + module + ".lora_A.weight"] = TestModels.random([rank, `in`], seed: UInt64(2 * index + 1))
            tensors[prefix + module + ".lora_B.weight"] = TestModels.random([out, rank], seed: UInt64(2 * index + 2))
        }
        return tensors
    }

    private func adapter(config: String, tensors: [String: Tensor]) throws -> (adapter: LoRAAdapter?, error: CheckpointError?, directory: URL) {
        let directory = try Fixtures.temporaryDirectory().appendingPathComponent("lora-task")
        try TestModels.adapter(config: config, tensors: tensors, in: directory)
        var opened: LoRAAdapter?
        let error = checkpointError { opened = try LoRAAdapter(directory: directory) }
        return (opened, error, directory)
    }

    private func maxDifference(_ x: MatrixF, _ y: MatrixF) -> Float {
        zip(x.elements, y.elements).map { abs($0 - $1) }.max() ?? 0
    }

    @Test func plainAdapterGivesScaledProductOfFactors() throws {
        let tensors = factors(["enc.0.query", "enc.0.value"])
        let adapter = try #require(try adapter(config: TestModels.loraConfig(r: 2, alpha: 4), tensors: tensors).adapter)
        #expect(adapter.modules.map(\.weightName) == ["enc.0.query.weight", "enc.0.value.weight"])
        let module = try #require(adapter.module(updating: "enc.0.query.weight"))
        #expect(module.scale == 2 && module.rank == 2 && module.weightShape == [4, 3] && !module.isTransposed)
        let update = try adapter.update(for: module)
        let a = try #require(tensors[prefix + "enc.0.query.lora_A.weight"]?.matrix)
        let b = try #require(tensors[prefix + "enc.0.query.lora_B.weight"]?.matrix)
        #expect(update.shape == (4, 3))
        #expect(maxDifference(update.dense, 2 * (b * a)) < 1e-6)
        #expect(adapter.unrecognizedTensors.isEmpty)
    }

    @Test func rsLoRAScalesByRootRank() throws {
        let config = TestModels.loraConfig(r: 4, alpha: 8, extra: "\"use_rslora\": true")
        let adapter = try #require(try adapter(config: config, tensors: factors(["q"], rank: 4)).adapter)
        #expect(adapter.modules[0].scale == 4)
        #expect(adapter.config.defaultScale == 4)
    }

    @Test func rankAndAlphaPatternsMatchDottedSuffixesInFileOrder() throws {
        let config = TestModels.loraConfig(r: 2, alpha: 4, extra: #""rank_pattern": {"layer\\.1\\.query": 4, "query": 3}, "alpha_pattern": {"value": 12}"#)
        var tensors = factors(["enc.layer.0.value"], rank: 2)
        tensors.merge(factors(["enc.layer.0.query"], rank: 3)) { $1 }
        tensors.merge(factors(["enc.layer.1.query"], rank: 4)) { $1 }
        let adapter = try #require(try adapter(config: config, tensors: tensors).adapter)
        let byName = Dictionary(uniqueKeysWithValues: adapter.modules.map { ($0.name, $0) })
        #expect(byName["enc.layer.0.query"]?.rank == 3 && byName["enc.layer.0.query"]?.scale == 4.0 / 3)
        #expect(byName["enc.layer.1.query"]?.rank == 4 && byName["enc.layer.1.query"]?.scale == 1)
        #expect(byName["enc.layer.0.value"]?.rank == 2 && byName["enc.layer.0.value"]?.alpha == 12 && byName["enc.layer.0.value"]?.scale == 6)
    }

    @Test func patternKeyMirrorsPEFT() {
        #expect(LoRAConfig.patternKey(["query"], matching: "a.b.query") == "query")
        #expect(LoRAConfig.patternKey(["uery"], matching: "a.b.query") == nil)
        #expect(LoRAConfig.patternKey(["b.query"], matching: "a.b.query") == "b.query")
        #expect(LoRAConfig.patternKey(["a"], matching: "a.b.query") == nil)
        #expect(LoRAConfig.patternKey(["layers.[0-3].q"], matching: "model.layers.2.q") == "layers.[0-3].q")
        #expect(LoRAConfig.patternKey(["q", "layers.2.q"], matching: "model.layers.2.q") == "q")
        #expect(LoRAConfig.patternKey(["model.layers.2.q"], matching: "model.layers.2.q") == "model.layers.2.q")
    }

    @Test func fanInFanOutStoresTransposedFactors() throws {
        let tensors = factors(["h.0.attn.c_attn"], rank: 2, out: 5, in: 3)
        let adapter = try #require(try adapter(config: TestModels.loraConfig(extra: "\"fan_in_fan_out\": true"), tensors: tensors).adapter)
        let module = adapter.modules[0]
        #expect(module.isTransposed && module.weightShape == [3, 5])
        guard case let .lowRank(b, a, scale) = try adapter.update(for: module) else { Issue.record("not low rank"); return }
        let loraA = try #require(tensors[prefix + "h.0.attn.c_attn.lora_A.weight"]?.matrix)
        let loraB = try #require(tensors[prefix + "h.0.attn.c_attn.lora_B.weight"]?.matrix)
        #expect(b == loraA.transposed && a == loraB.transposed && scale == 2)
        #expect(maxDifference(scale * (b * a), (scale * (loraB * loraA)).transposed) < 1e-6)
    }

    @Test func embeddingFactorsAreTransposed() throws {
        let tensors = [
            prefix + "embeddings.word_embeddings.lora_embedding_A": TestModels.random([2, 10], seed: 1),
            prefix + "embeddings.word_embeddings.lora_embedding_B": TestModels.random([6, 2], seed: 2),
        ]
        let adapter = try #require(try adapter(config: TestModels.loraConfig(), tensors: tensors).adapter)
        #expect(adapter.modules[0].weightShape == [10, 6] && adapter.modules[0].isTransposed)
        #expect(try adapter.update(for: adapter.modules[0]).shape == (10, 6))
    }

    @Test func unsupportedAdaptersAreRefused() throws {
        let dora = try adapter(config: TestModels.loraConfig(extra: "\"use_dora\": true"), tensors: factors(["q"]))
        #expect(dora.error == .unsupportedAdapter(path: dora.directory.relativePath, reason: "DoRA adapters are not supported"))
        var magnitude = factors(["q"])
        magnitude[prefix + "q.lora_magnitude_vector"] = TestModels.random([4], seed: 9)
        guard case .unsupportedAdapter? = try adapter(config: TestModels.loraConfig(), tensors: magnitude).error else {
            Issue.record("DoRA magnitude vector accepted")
            return
        }
        let ia3 = try adapter(config: #"{"peft_type": "IA3", "r": 2, "lora_alpha": 4}"#, tensors: [:])
        guard case let .unsupportedAdapter(_, reason)? = ia3.error else { Issue.record("IA3 accepted"); return }
        #expect(reason.contains("IA3"))

        let pickle = try Fixtures.temporaryDirectory()
        try Data(TestModels.loraConfig().utf8).write(to: pickle.appendingPathComponent("adapter_config.json"))
        try Data([0x80]).write(to: pickle.appendingPathComponent("adapter_model.bin"))
        let error = checkpointError { _ = try LoRAAdapter(directory: pickle) }
        guard case let .unsupportedTorchFormat(file, reason)? = error else { Issue.record("legacy adapter_model.bin accepted"); return }
        #expect(file.hasSuffix("adapter_model.bin") && reason.contains("legacy"))
    }

    @Test func inconsistentFactorsAreErrorsNamingTheModule() throws {
        var missingB = factors(["enc.q"])
        missingB.removeValue(forKey: prefix + "enc.q.lora_B.weight")
        var mismatched = factors(["enc.q"])
        mismatched[prefix + "enc.q.lora_B.weight"] = TestModels.random([4, 3], seed: 5)
        let cases: [(String, [String: Tensor], String)] = [
            (TestModels.loraConfig(), missingB, "has lora_A but no lora_B"),
            (TestModels.loraConfig(), mismatched, "lora_A [2, 3] has rank 2 but lora_B [4, 3] has rank 3"),
            (TestModels.loraConfig(r: 4), factors(["enc.q"], rank: 2), "factors have rank 2 but adapter_config.json gives r = 4 for this module"),
        ]
        for (config, tensors, reason) in cases {
            let result = try adapter(config: config, tensors: tensors)
            let file = result.directory.appendingPathComponent("adapter_model.safetensors").relativePath
            #expect(result.error == .invalidAdapter(file: file, tensor: "enc.q", reason: reason))
            #expect(result.error?.description.contains("\"enc.q\"") == true)
        }
    }

    @Test func invalidConfigsAreReported() throws {
        let configs = [
            #"{"peft_type": "LORA", "lora_alpha": 4}"#, #"{"peft_type": "LORA", "r": 0, "lora_alpha": 4}"#,
            #"{"peft_type": "LORA", "r": 2, "lora_alpha": "4"}"#, #"{"r": 2, "lora_alpha": 4}"#,
            #"{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "rank_pattern": {"(": 2}}"#,
            #"{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "use_rslora": "yes"}"#, #"{"peft_type": "LORA", "r": 2, "r": 3}"#,
        ]
        for config in configs {
            guard case .invalidAdapterConfig? = try adapter(config: config, tensors: factors(["q"])).error else {
                Issue.record("accepted \(config)")
                continue
            }
        }
    }

    @Test func nonFactorTensorsAreListed() throws {
        var tensors = factors(["enc.q"])
        tensors[prefix + "classifier.weight"] = TestModels.random([2, 4], seed: 4)
        let adapter = try #require(try adapter(config: TestModels.loraConfig(), tensors: tensors).adapter)
        #expect(adapter.unrecognizedTensors == [prefix + "classifier.weight"])
        #expect(adapter.modules.map(\.name) == ["enc.q"])
    }
}
