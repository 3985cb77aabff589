import Foundation
import Testing
@testable import Analysis

/// `--layout hf`: the fusionbench-hf tensors plus `modeling_smile.py` and `auto_map`, for the four decoders
/// on a tiny random family and for BERT on the real MiniLM slices. Loading the output with transformers is
/// checked by `reference/hf_layout_reference.py` (torch).
@Suite struct HFLayoutTests {
    static func config(_ directory: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("config.json"))) as? [String: Any])
    }

    /// Whether `pattern` (the Python regular expression of the modeling file) fully matches `name`.
    static func fullyMatches(_ pattern: String, _ name: String) throws -> Bool {
        try firstGroup(pattern, name) != nil
    }

    /// The first group of `pattern` when it fully matches `name` (the key of `smile_module_ranks`).
    static func firstGroup(_ pattern: String, _ name: String) throws -> String? {
        let regex = try NSRegularExpression(pattern: "^(?:\(pattern))$")
        guard let match = regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)), let range = Range(match.range(at: 1), in: name) else { return nil }
        return String(name[range])
    }

    @Test func writesTheFusionBenchTensorsWithItsOwnModelingCode() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let zero = "model.layers.1.self_attn.k_proj"
        let family = try FusionBenchHFLayoutTests.family(directory, unchanged: [zero])
        var options = SmileUpscaleOptions(expertRank: .fixed(8), gateRank: 2, topK: 2, others: .base, layout: .hf)
        let out = directory.appendingPathComponent("hf")
        let report = try SmileUpscaler(options: options).upscale(family, to: out)
        options.layout = .fusionBenchHF
        let fusionBench = directory.appendingPathComponent("fusionbench")
        _ = try SmileUpscaler(options: options).upscale(family, to: fusionBench)

        // The same tensors as the FusionBench layout (up to float rounding: ``UpscaleSupport/sameUpToRounding(_:_:)``):
        // only config.json and the code differ.
        let written = try Checkpoint(url: out), reference = try Checkpoint(url: fusionBench)
        #expect(Set(written.tensors.map(\.name)) == Set(reference.tensors.map(\.name)))
        for tensor in reference.tensors {
            #expect(UpscaleSupport.sameUpToRounding(try written.tensor(tensor.name).values, try reference.tensor(tensor.name).values), "\(tensor.name)")
        }

        let config = try Self.config(out)
        #expect(config["model_type"] as? String == "smile_llama")
        // Numbers keep the base config's spelling (transformers 5's strict configs reject 30 for a float).
        #expect(try String(contentsOf: out.appendingPathComponent("config.json"), encoding: .utf8).contains(#""rms_norm_eps": 1e-06,"#))
        #expect(config["architectures"] as? [String] == ["SmileLlamaForCausalLM"])
        #expect(config["auto_map"] as? [String: String] == [
            "AutoConfig": "modeling_smile.SmileLlamaConfig", "AutoModel": "modeling_smile.SmileLlamaModel",
            "AutoModelForCausalLM": "modeling_smile.SmileLlamaForCausalLM",
        ])
        #expect(config["num_local_experts"] as? Int == 3 && config["num_experts_per_tok"] as? Int == 2)
        #expect(config["rank_of_router"] as? Int == 2 && config["rank_of_expert"] as? Int == 8)
        var withoutMap = config
        withoutMap.removeValue(forKey: "auto_map")
        #expect(withoutMap.removeValue(forKey: "smile_routing") as? String == "token")
        let sorted = { (object: [String: Any]) in try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) }
        #expect(try sorted(withoutMap) == sorted(try Self.config(fusionBench)))

        let code = try String(contentsOf: out.appendingPathComponent(SmileRemoteCode.fileName), encoding: .utf8)
        #expect(code.contains("from transformers import LlamaConfig, LlamaModel, LlamaForCausalLM\n"))
        #expect(code.contains("class SmileLlamaConfig(LlamaConfig):") && code.contains("model_type = \"smile_llama\""))
        #expect(code.contains("class SmileLlamaModel(LlamaModel):") && code.contains("class SmileLlamaForCausalLM(LlamaForCausalLM):"))
        #expect(code.contains("SMILE_PROJECTIONS_PER_LAYER = 7\n"))
        #expect(!FileManager.default.fileExists(atPath: fusionBench.appendingPathComponent(SmileRemoteCode.fileName).path))
        #expect(report.config.files.contains(SmileRemoteCode.fileName) && report.config.files.contains("config.json"))
        #expect(report.config.layout == "hf" && report.config.format == "hf")
        #expect(report.config.plainLinear == [zero])
        let readme = try String(contentsOf: out.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("AutoModelForCausalLM.from_pretrained(DIR, trust_remote_code=True)"))
    }

    @Test func theModulePatternNamesExactlyTheUpscaledProjections() throws {
        for architecture in HFArchitecture.decoders + [HFArchitecture.bert] {
            let pattern = SmileRemoteCode.modulePattern(architecture)
            // The checkpoint's names and the bare model's (`AutoModel` of a decoder has no `model.`).
            for prefix in Set(architecture.prefixes + [""]) {
                for module in architecture.modules(layers: 3, prefix: prefix) {
                    #expect(try Self.firstGroup(pattern, module) == String(module.dropFirst(prefix.count)), "\(architecture.modelType): \(module)")
                }
            }
        }
        let decoder = SmileRemoteCode.modulePattern(HFArchitecture.decoders[0])
        for other in ["lm_head", "model.embed_tokens", "model.layers.0.mlp", "model.layers.0.mlp.act_fn", "model.layers.0.self_attn.q_proj.experts", "model.layers.x.mlp.up_proj"] {
            #expect(try !Self.fullyMatches(decoder, other), "\(other)")
        }
        let bert = SmileRemoteCode.modulePattern(HFArchitecture.bert)
        for other in ["pooler.dense", "encoder.layer.0.attention.output.LayerNorm", "embeddings.word_embeddings", "encoder.layer.0.attention.self"] {
            #expect(try !Self.fullyMatches(bert, other), "\(other)")
        }
    }

    @Test(arguments: [("mistral", "Mistral"), ("qwen2", "Qwen2"), ("gemma2", "Gemma2")])
    func everyDecoderGetsItsStockClasses(modelType: String, stem: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try FusionBenchHFLayoutTests.family(directory, modelType: modelType)
        let out = directory.appendingPathComponent("hf")
        _ = try SmileUpscaler(options: SmileUpscaleOptions(expertRank: .fixed(4), probeSamples: 0, layout: .hf)).upscale(family, to: out)
        let config = try Self.config(out)
        #expect(config["model_type"] as? String == "smile_\(modelType)")
        #expect(config["architectures"] as? [String] == ["Smile\(stem)ForCausalLM"])
        #expect((config["auto_map"] as? [String: String])?["AutoModelForCausalLM"] == "modeling_smile.Smile\(stem)ForCausalLM")
        let code = try String(contentsOf: out.appendingPathComponent(SmileRemoteCode.fileName), encoding: .utf8)
        #expect(code.contains("from transformers import \(stem)Config, \(stem)Model, \(stem)ForCausalLM\n"))
        #expect(code.contains("class Smile\(stem)ForCausalLM(\(stem)ForCausalLM):"))
    }

    /// Copies the MiniLM slices (layers 0 and 5 of six) into `directory`, every config declaring `layers` layers.
    static func miniLMSlices(_ root: URL, into directory: URL, layers: Int?) throws -> ModelFamily {
        var paths = [URL]()
        for name in ["base", "full-mansec", "full-codelang", "full-pyeco"] {
            let target = directory.appendingPathComponent(name)
            try FileManager.default.copyItem(at: root.appendingPathComponent(name), to: target)
            if let layers {
                let url = target.appendingPathComponent("config.json")
                var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
                config["num_hidden_layers"] = layers
                try JSONSerialization.data(withJSONObject: config).write(to: url)
            }
            paths.append(target)
        }
        return try ModelFamily.open(base: paths[0].path, models: paths.dropFirst().map(\.path))
    }

    @Test(.enabled(if: Fixtures.miniLM != nil, "needs ../shared/models/minilm-l6"))
    func miniLMBecomesASmileBertModel() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The slices hold layers 0 and 5: declared as a one-layer BERT, layer 0 is upscaled and layer 5
        // follows the other-tensor policy.
        let family = try Self.miniLMSlices(Fixtures.miniLM!, into: directory, layers: 1)
        let out = directory.appendingPathComponent("hf")
        let report = try SmileUpscaler(options: SmileUpscaleOptions(expertRank: .fixed(8), gateRank: 2, others: .base, probeSamples: 0, layout: .hf)).upscale(family, to: out)
        let config = try Self.config(out)
        #expect(config["model_type"] as? String == "smile_bert")
        #expect(config["architectures"] as? [String] == ["SmileBertModel"])
        #expect(config["auto_map"] as? [String: String] == ["AutoConfig": "modeling_smile.SmileBertConfig", "AutoModel": "modeling_smile.SmileBertModel"])
        #expect(config["hidden_size"] as? Int == 384 && config["rank_of_expert"] as? Int == 8)
        let code = try String(contentsOf: out.appendingPathComponent(SmileRemoteCode.fileName), encoding: .utf8)
        #expect(code.contains("from transformers import BertConfig, BertModel\n") && code.contains("class SmileBertModel(BertModel):"))
        #expect(!code.contains("ForCausalLM"))

        let written = try Checkpoint(url: out)
        let projections = HFArchitecture.bert.projections
        #expect(Set(report.layers.map(\.module)) == Set(projections.map { "encoder.layer.0.\($0)" }))
        for projection in projections {
            let x = "encoder.layer.0.\(projection)"
            let shape = try #require(family.base.info(x + ".weight")?.shape)
            #expect(written.info(x + ".gate.weight")?.shape == [3 * 2, shape[1]])
            #expect(written.info(x + ".shared_linear.bias")?.shape == [shape[0]])
            #expect(written.info(x + ".experts.0.u")?.shape == [shape[0], 8] && written.info(x + ".experts.2.svh")?.shape == [8, shape[1]])
            #expect(written.info(x + ".weight") == nil)
        }
        // Expert biases are b_i − b_pre; layer 5 is copied from the base under its own names.
        let bias = "encoder.layer.0.intermediate.dense.bias"
        let fineTuned = try Checkpoint(url: family.modelPaths[1]).tensor(bias).values, base = try family.baseTensor(bias).values
        let expected = zip(fineTuned, base).map { $0 - $1 }
        #expect(try written.tensor("encoder.layer.0.intermediate.dense.experts.1.bias").values == expected)
        #expect(try written.tensor("encoder.layer.5.output.dense.weight").values == family.baseTensor("encoder.layer.5.output.dense.weight").values)
    }

    @Test(.enabled(if: Fixtures.miniLM != nil, "needs ../shared/models/minilm-l6"))
    func refusesAnEncoderMissingALayer() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try Self.miniLMSlices(Fixtures.miniLM!, into: directory, layers: nil)
        let out = directory.appendingPathComponent("hf")
        #expect {
            try SmileUpscaler(options: SmileUpscaleOptions(layout: .hf)).upscale(family, to: out)
        } throws: { error in
            "\(error)".contains("--layout hf: encoder.layer.1.attention.self.query.weight is not a 2-D weight of every model, but SmileBertModel replaces it")
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func refusesWhatItHasNoModelingCodeFor() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try FusionBenchHFLayoutTests.family(directory, modelType: "gpt_neox")
        let out = directory.appendingPathComponent("hf")
        #expect {
            try SmileUpscaler(options: SmileUpscaleOptions(layout: .hf)).upscale(family, to: out)
        } throws: { error in
            "\(error)".contains("--layout hf cannot express model_type \"gpt_neox\"") && "\(error)".contains("llama, mistral, qwen2, gemma2, bert")
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
