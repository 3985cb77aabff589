/// The state-dict layout ``SmileUpscaler`` writes.
///
/// - ``smileMoELinear``: FusionBench's module-level `SmileMoELinear` names for any selected linear layer
///   (``SmileStateDict``), k per layer; loads layer by layer.
/// - ``fusionBenchHF``: a whole Hugging Face model of FusionBench's `Smile{Llama,Mistral,Qwen2,Gemma2}ForCausalLM`
///   (``FusionBenchHFLayout``): every attention and MLP projection of every decoder layer, one
///   `rank_of_expert` and one `rank_of_router` for the model, `config.json` and tokenizer files.
/// - ``hf``: the same whole model plus its own modeling file and `auto_map` (``SmileRemoteCode``), loaded by
///   plain transformers with `trust_remote_code=True`; also BERT encoders.
public enum UpscaleLayout: String, Sendable, Equatable, CaseIterable {
    case smileMoELinear = "smile-moe-linear"
    case fusionBenchHF = "fusionbench-hf"
    case hf = "hf"

    /// A whole Hugging Face model directory with one expert rank and one router rank (``FusionBenchHFLayout``).
    public var isWholeModel: Bool { self != .smileMoELinear }
}
