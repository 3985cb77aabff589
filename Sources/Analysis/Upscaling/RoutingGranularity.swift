/// How a SMILE model chooses experts at run time (`upscale --routing`), recorded as `smile_routing` in an
/// ``UpscaleLayout/hf`` output's `config.json` and as `routing` in `smile_config.json`.
///
/// - ``token``: every token is routed on its own, as FusionBench's `SmileLinear` does: logitsᵢ(x) =
///   ‖Gᵢ x‖₂, softmax, top_k, renormalised (the tensors and the outputs of every layout before the option).
/// - ``sequence``: every sequence s of a forward pass is routed as a whole, with evidence accumulated through
///   the pass. Each upscaled module, when it runs, adds eᵢ += mean over s's real tokens t (the attention
///   mask; no mask: every position) of ‖Gᵢ x_t‖₂; modules reading the same input
///   (``HFArchitecture/sameInputProjections``: BERT's query, key and value of one layer) add their evidence
///   together before the first of them routes; the module then sends every token of s to argmaxᵢ eᵢ with
///   weight 1 (ties to the lowest index). Evidence starts at zero with every forward call, and a sequence's
///   route depends neither on the other sequences of the batch nor on padding. Only ``UpscaleLayout/hf``
///   encoders can express it: FusionBench's `SmileMoELinear` routes per token, and a decoder generating with
///   a KV cache would need causal prefix evidence (out of scope), so decoders route per token.
///
/// The tensors written are the same for both; only the modeling file's forward reads the choice.
public enum RoutingGranularity: String, Sendable, Equatable, CaseIterable, Codable {
    case token
    case sequence
}
