/// The state-dict layout ``SmileUpscaler`` writes.
///
/// - ``smileMoELinear``: FusionBench's module-level `SmileMoELinear` names for any selected linear layer
///   (``SmileStateDict``), k per layer; loads layer by layer.
/// - ``fusionBenchHF``: a whole Hugging Face model of FusionBench's `Smile{Llama,Mistral,Qwen2,Gemma2}ForCausalLM`
///   (``FusionBenchHFLayout``): every attention and MLP projection of every decoder layer, one
///   `rank_of_expert` and one `rank_of_router` for the model, `config.json` and tokenizer files.
public enum UpscaleLayout: String, Sendable, Equatable, CaseIterable {
    case smileMoELinear = "smile-moe-linear"
    case fusionBenchHF = "fusionbench-hf"
}
