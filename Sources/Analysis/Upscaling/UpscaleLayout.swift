/// The state-dict layout ``SmileUpscaler`` writes.
///
/// - ``smileMoELinear``: FusionBench's module-level `SmileMoELinear` names for any selected linear layer
///   (``SmileStateDict``), k per layer; loads layer by layer.
/// - ``fusionBenchHF``: a whole Hugging Face model of FusionBench's `Smile{Llama,Mistral,Qwen2,Gemma2}ForCausalLM`
///   (``FusionBenchHFLayout``): every attention and MLP projection of every decoder layer, one
///   `rank_of_expert` and one `rank_of_router` for the model, `config.json` and tokenizer files.
/// - ``hf``: the same whole model plus its own modeling file and `auto_map` (``SmileRemoteCode``), loaded by
///   plain transformers with `trust_remote_code=True`; also BERT encoders. Its modeling file builds each
///   projection at its own ranks (`smile_module_ranks`), so a `--budget` or `--gate-k auto` plan keeps its
///   per-layer k and gate_k; without them every layer gets the one k and gate_k, as ``fusionBenchHF``.
public enum UpscaleLayout: String, Sendable, Equatable, CaseIterable {
    case smileMoELinear = "smile-moe-linear"
    case fusionBenchHF = "fusionbench-hf"
    case hf = "hf"

    /// A whole Hugging Face model directory (``FusionBenchHFLayout``).
    public var isWholeModel: Bool { self != .smileMoELinear }
    /// One expert rank and one router rank for the whole model (FusionBench's classes read only those).
    public var hasOneRank: Bool { self == .fusionBenchHF }
}
