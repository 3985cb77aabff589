import Foundation
import Testing
@testable import Analysis

/// `--layout fusionbench-hf` on a tiny random Llama family: FusionBench's names, shapes and config, the
/// inert zero-update projection, side files, and the refusals.
@Suite struct FusionBenchHFLayoutTests {
    static func family(_ directory: URL, unchanged: Set<String> = [], modelType: String = "llama") throws -> ModelFamily {
        let paths = try TinyLlamaFamily.write(to: directory, unchanged: unchanged, modelType: modelType)
        return try ModelFamily.open(base: paths.base.path, models: paths.models.map(\.path))
    }

    /// Whether two row-major matrices of `columns` columns agree row by row up to sign, within 1e-4 of
    /// each row's largest entry.
    static func rowsAgreeUpToSign(_ a: [Float], _ b: [Float], columns: Int) -> Bool {
        guard a.count == b.count, columns > 0, a.count % columns == 0 else { return false }
        return stride(from: 0, to: a.count, by: columns).allSatisfy { start in
            let x = a[start..<start + columns], y = b[start..<start + columns]
            let scale = Swift.max(x.map(abs).max() ?? 0, Float.leastNormalMagnitude)
            let same = zip(x, y).map { abs($0 - $1) }.max() ?? 0, flipped = zip(x, y).map { abs($0 + $1) }.max() ?? 0
            return Swift.min(same, flipped) <= 1e-4 * scale
        }
    }

    @Test func writesWhatSmileLlamaForCausalLMLoads() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let zero = "model.layers.1.self_attn.k_proj"
        let family = try Self.family(directory, unchanged: [zero])
        let out = directory.appendingPathComponent("smile")
        let options = SmileUpscaleOptions(expertRank: .fixed(8), gateRank: 2, others: .base, layout: .fusionBenchHF)
        let report = try SmileUpscaler(options: options).upscale(family, to: out)

        // config.json: the base config plus FusionBench's fields.
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Any])
        #expect(config["model_type"] as? String == "smile_llama")
        #expect(config["architectures"] as? [String] == ["SmileLlamaForCausalLM"])
        #expect(config["num_local_experts"] as? Int == 3)
        #expect(config["num_experts_per_tok"] as? Int == 1)
        #expect(config["rank_of_router"] as? Int == 2)
        #expect(config["rank_of_expert"] as? Int == 8)
        #expect(config["hidden_size"] as? Int == TinyLlamaFamily.hidden)
        #expect(UpscaleSupport.entries(out).contains("generation_config.json"))
        #expect(UpscaleSupport.entries(out).contains("tokenizer_config.json"))

        // Exactly FusionBench's state dict: 7 SmileLinear per layer, everything else under its base name.
        let written = try Checkpoint(url: out)
        var expected = Set(["model.embed_tokens.weight", "lm_head.weight", "model.norm.weight"])
        for l in 0..<2 {
            expected.formUnion(["model.layers.\(l).input_layernorm.weight", "model.layers.\(l).post_attention_layernorm.weight"])
            for (name, shape) in TinyLlamaFamily.projections {
                let x = "model.layers.\(l).\(name)"
                expected.formUnion(["\(x).gate.weight", "\(x).shared_linear.weight"] + (0..<3).flatMap { ["\(x).experts.\($0).u", "\(x).experts.\($0).svh"] })
                #expect(written.info("\(x).gate.weight")?.shape == [3 * 2, shape[1]])
                #expect(written.info("\(x).shared_linear.weight")?.shape == shape)
                #expect(written.info("\(x).experts.2.u")?.shape == [shape[0], 8])
                #expect(written.info("\(x).experts.2.svh")?.shape == [8, shape[1]])
            }
        }
        #expect(Set(written.tensors.map(\.name)) == expected)
        #expect(written.tensors.allSatisfy { $0.dtype == .f32 })

        // A projection's tensors rebuild the layer the upscaler builds; its output matches.
        let module = "model.layers.0.mlp.down_proj"
        let layer = try #require(try SmileUpscaler(options: options).layer(family, weight: module + ".weight"))
        // Singular vectors are compared up to each row's sign and the last bits: the layer is factored
        // a second time here, and OpenBLAS kernels may sum in another order (thread count, alignment).
        #expect(Self.rowsAgreeUpToSign(try written.tensor(module + ".gate.weight").values, layer.gate.weights.elements, columns: layer.gate.weights.columns))
        // The per-layer rule keeps the update rank 6; the model's one rank 8 adds the SVD's numerically
        // zero triplets 7 and 8 (as FusionBench's full SVD does).
        let svh = try written.tensor(module + ".experts.1.svh").values
        #expect(layer.rank == 6)
        #expect(Self.rowsAgreeUpToSign(Array(svh.prefix(layer.experts[1].svh.elements.count)), layer.experts[1].svh.elements, columns: layer.experts[1].svh.columns))
        let largest = svh.map(abs).max() ?? 0
        #expect(svh.dropFirst(layer.experts[1].svh.elements.count).allSatisfy { abs($0) <= 1e-5 * largest })
        #expect(try written.tensor(module + ".shared_linear.weight").values == layer.pretrained.weight.elements)

        // The unchanged projection: W_pre in shared_linear, zeros elsewhere, so its output is W_pre x.
        #expect(try written.tensor(zero + ".gate.weight").values.allSatisfy { $0 == 0 })
        #expect(try written.tensor(zero + ".experts.0.svh").values.allSatisfy { $0 == 0 })
        #expect(try written.tensor(zero + ".shared_linear.weight").values == family.baseTensor(zero + ".weight").values)
        #expect(report.config.plainLinear == [zero])
        #expect(report.config.layout == "fusionbench-hf")
        #expect(report.layers.count == 14)
    }

    @Test func aBudgetPicksTheOneRank() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try Self.family(directory)
        var ranks = [Int]()
        for budget in [0.2, 0.5, 1.0] {
            let out = directory.appendingPathComponent("smile-\(budget)")
            let options = SmileUpscaleOptions(expertRank: .fixed(Int.max), gateRank: 1, probeSamples: 8, budget: budget, layout: .fusionBenchHF)
            let report = try SmileUpscaler(options: options).upscale(family, to: out)
            let plan = try #require(report.config.budget)
            #expect(plan.uniformRank)
            #expect(plan.overhead <= budget)
            let k = try #require(plan.layers.first?.k)
            #expect(plan.layers.allSatisfy { $0.k == k })
            let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Any])
            #expect(config["rank_of_expert"] as? Int == k)
            #expect(report.layers.allSatisfy { $0.k == k })
            ranks.append(k)
        }
        #expect(ranks == ranks.sorted() && ranks.first! < ranks.last!)
    }

    @Test func refusesWhatTheLayoutCannotExpress() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("smile")
        func message(_ family: ModelFamily, _ options: SmileUpscaleOptions) -> String {
            do {
                _ = try SmileUpscaler(options: options).upscale(family, to: out)
                return ""
            } catch {
                return "\(error)"
            }
        }
        let llama = try Self.family(directory.appendingPathComponent("llama"))
        let hf = SmileUpscaleOptions(expertRank: .fixed(8), layout: .fusionBenchHF)
        // k above a projection's min(in, out) (k_proj is 32×64).
        var tooLarge = hf
        tooLarge.expertRank = .fixed(40)
        #expect(message(llama, tooLarge).contains("--k 40 is larger than model.layers.0.self_attn.k_proj.weight allows"))
        var gate = hf
        gate.gateRank = 33
        #expect(message(llama, gate).contains("--gate-k 33 is larger than"))
        var include = hf
        include.include = "q_proj"
        #expect(message(llama, include).contains("--include/--exclude cannot be used"))
        let bert = try Self.family(directory.appendingPathComponent("bert"), modelType: "bert")
        let refusal = message(bert, hf)
        #expect(refusal.contains("cannot express model_type \"bert\"") && refusal.contains("llama, mistral, qwen2, gemma2"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
