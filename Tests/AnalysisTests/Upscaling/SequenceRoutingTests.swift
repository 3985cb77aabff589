import Foundation
import Testing
@testable import Analysis

/// `upscale --routing sequence`: recorded in config.json (`smile_routing`) and smile_config.json (`routing`),
/// the same tensors as per-token routing, the modeling file's sequence rule, and refusals (one line, nothing
/// written) for what cannot express it. The routing itself is checked in torch against an independent
/// implementation by `reference/hf_sequence_routing_reference.py`.
@Suite struct SequenceRoutingTests {
    static func options(_ routing: RoutingGranularity, layout: UpscaleLayout = .hf, topK: Int = 1) -> SmileUpscaleOptions {
        var options = SmileUpscaleOptions(expertRank: .fixed(8), gateRank: 2, topK: topK, others: .base, probeSamples: 0, layout: layout)
        options.routing = routing
        return options
    }

    @Test(.enabled(if: Fixtures.miniLM != nil, "needs ../shared/models/minilm-l6"))
    func sequenceRoutingChangesOnlyTheRecordedChoice() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try HFLayoutTests.miniLMSlices(Fixtures.miniLM!, into: directory, layers: 1)
        let sequence = directory.appendingPathComponent("sequence"), token = directory.appendingPathComponent("token")
        let sequenceReport = try SmileUpscaler(options: Self.options(.sequence)).upscale(family, to: sequence)
        let tokenReport = try SmileUpscaler(options: Self.options(.token)).upscale(family, to: token)
        #expect(sequenceReport.config.routing == "sequence" && tokenReport.config.routing == "token")
        let read = { (url: URL, file: String) in try Data(contentsOf: url.appendingPathComponent(file)) }
        // The same tensors (names, shapes, dtypes; values up to rounding, as a concurrent test may change
        // the process-wide BLAS thread count; experts as their products u·svh, which the Iso-C residual's
        // repeated σ leave unique) and the same modeling file bytes: only config.json says how to route.
        let written = try Checkpoint(url: sequence), reference = try Checkpoint(url: token)
        #expect(written.tensors.map { "\($0.name) \($0.shape) \($0.dtype)" } == reference.tensors.map { "\($0.name) \($0.shape) \($0.dtype)" })
        for info in written.tensors where !info.name.contains(".experts.") {
            #expect(UpscaleSupport.sameUpToRounding(try written.tensor(info.name).values, try reference.tensor(info.name).values), "\(info.name)")
        }
        for info in written.tensors where info.name.hasSuffix(".u") {
            let expert = String(info.name.dropLast(2))
            let product = { (checkpoint: Checkpoint) in try checkpoint.tensor(expert + ".u").matrix! * checkpoint.tensor(expert + ".svh").matrix! }
            #expect(UpscaleSupport.sameUpToRounding(try product(written).elements, try product(reference).elements), "\(expert)")
        }
        #expect(try read(sequence, SmileRemoteCode.fileName) == read(token, SmileRemoteCode.fileName))
        var sequenceConfig = try HFLayoutTests.config(sequence), tokenConfig = try HFLayoutTests.config(token)
        #expect(sequenceConfig.removeValue(forKey: "smile_routing") as? String == "sequence")
        #expect(tokenConfig.removeValue(forKey: "smile_routing") as? String == "token")
        let sorted = { (object: [String: Any]) in try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) }
        #expect(try sorted(sequenceConfig) == sorted(tokenConfig))
        let recorded = try SmileConfig.decode(read(sequence, SmileConfig.fileName))
        #expect(recorded.routing == "sequence")
        // The default is per-token routing, FusionBench's.
        #expect(SmileUpscaleOptions().routing == .token)
    }

    @Test func theModelingFileCarriesTheSequenceRule() throws {
        let code = SmileRemoteCode.python(.bert)
        #expect(code.contains(#"SMILE_SAME_INPUT = (("attention.self.query", "attention.self.key", "attention.self.value"),)"#))
        // The model's forward captures the mask under the stock signature; evidence resets per call.
        #expect(code.contains("class SmileBertModel(BertModel):") && code.contains("@functools.wraps(BertModel.forward)"))
        #expect(code.contains("self.smile_routing_state = smile_routing(self, config)"))
        #expect(code.contains(#"bind_partial(*args, **kwargs).arguments.get("attention_mask")"#))
        #expect(code.contains("state.begin(mask)") && code.contains("state.end()"))
        // Evidence: the mean logit over real tokens, summed over a same-input group once, then argmax.
        #expect(code.contains("return (logits * real).sum(dim=-2) / real.sum(dim=-2).clamp(min=1)"))
        #expect(code.contains("if self.routing_group not in state.seen:") && code.contains("chosen = evidence.argmax(dim=-1)"))
        #expect(code.contains("self.last_routes = chosen[:, 0].view(hidden_states.shape[:-1])"))
        // Decoders route per token: no routed forward, and no SmileLinear there reads a routing state.
        let llama = SmileRemoteCode.python(HFArchitecture.decoders[0])
        #expect(!llama.contains("smile_routed_forward(self, super().forward") && !llama.contains("self.smile_routing_state ="))
    }

    @Test func refusesSequenceRoutingWhereItCannotBeExpressed() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try FusionBenchHFLayoutTests.family(directory)
        let cases: [(SmileUpscaleOptions, String)] = [
            (Self.options(.sequence), "--routing sequence routes encoders (model_type bert) only; model_type llama is a decoder, which routes per token"),
            (Self.options(.sequence, layout: .fusionBenchHF), "--routing sequence needs --layout hf"),
            (Self.options(.sequence, layout: .smileMoELinear), "FusionBench's SmileMoELinear, which routes per token"),
            (Self.options(.sequence, topK: 2), "--top-k must be 1, got 2"),
        ]
        for (index, (options, message)) in cases.enumerated() {
            let out = directory.appendingPathComponent("out\(index)")
            #expect {
                try SmileUpscaler(options: options).upscale(family, to: out)
            } throws: { error in
                "\(error)".contains(message) && !"\(error)".contains("\n")
            }
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }
}
