/// A Hugging Face transformers architecture whose per-layer linear projections the whole-model layouts
/// (``UpscaleLayout/fusionBenchHF``, ``UpscaleLayout/hf``) turn into SMILE layers.
///
/// The projections of layer l are the modules `{prefix}{layerList}.{l}.{projection}` (weights
/// `….weight` of shape [out, in], `….bias` when the architecture has one), `layerList` being the path
/// inside the bare model (`layers`, `encoder.layer`) and `prefix` where a checkpoint puts the bare model:
/// `model.` for the decoders (`…ForCausalLM`), empty or `bert.` for BERT encoders (`BertModel`, `Bert…For…`).
public struct HFArchitecture: Sendable, Equatable {
    /// The base config's `model_type`.
    public var modelType: String
    /// The transformers class stem: `Llama` for `LlamaConfig`, `LlamaModel`, `LlamaForCausalLM`.
    public var className: String
    /// The module path of the layer list inside the bare model (`…Model`).
    public var layerList: String
    /// The projections of one layer, relative to the layer, in the layer's order.
    public var projections: [String]
    /// A causal language model (`…ForCausalLM`), or an encoder (`…Model` only).
    public var isDecoder: Bool
    /// The prefixes a checkpoint of this architecture may put before `layerList` (the first is the default).
    public var prefixes: [String]
    /// Projections of one layer that read the same input (BERT: query, key and value); with
    /// ``RoutingGranularity/sequence`` they add their evidence together before the first of them routes.
    public var sameInputProjections: [[String]] {
        isDecoder ? [["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"], ["mlp.gate_proj", "mlp.up_proj"]]
            : [["attention.self.query", "attention.self.key", "attention.self.value"]]
    }

    static func decoder(_ modelType: String, _ className: String) -> HFArchitecture {
        HFArchitecture(modelType: modelType, className: className, layerList: "layers",
                       projections: ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"],
                       isDecoder: true, prefixes: ["model."])
    }

    /// Llama, Mistral, Qwen2 and Gemma2: the architectures FusionBench 0.2.33 has `Smile…ForCausalLM` classes for.
    public static let decoders = [decoder("llama", "Llama"), decoder("mistral", "Mistral"), decoder("qwen2", "Qwen2"), decoder("gemma2", "Gemma2")]

    /// BERT encoders (MiniLM, all-MiniLM-L6-v2): query, key, value, the attention output, the MLP in and out.
    public static let bert = HFArchitecture(
        modelType: "bert", className: "Bert", layerList: "encoder.layer",
        projections: ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense", "intermediate.dense", "output.dense"],
        isDecoder: false, prefixes: ["", "bert."])

    /// The architecture of `modelType` among `candidates`, if any.
    public static func named(_ modelType: String, among candidates: [HFArchitecture]) -> HFArchitecture? {
        candidates.first { $0.modelType == modelType }
    }

    /// `smile_<model_type>`, the output config's `model_type`.
    public var smileModelType: String { "smile_" + modelType }
    /// `SmileLlamaConfig`.
    public var smileConfigClass: String { "Smile\(className)Config" }
    /// `SmileLlamaModel` (the bare model, transformers' `AutoModel`).
    public var smileBaseClass: String { "Smile\(className)Model" }
    /// The class named in `architectures`: `Smile…ForCausalLM` for decoders, `Smile…Model` for encoders.
    public var smileClass: String { isDecoder ? "Smile\(className)ForCausalLM" : smileBaseClass }

    /// The modules `X` (weights `X.weight`) of layers 0..<layers under `prefix`, layer by layer.
    public func modules(layers: Int, prefix: String) -> [String] {
        (0..<layers).flatMap { l in projections.map { "\(prefix)\(layerList).\(l).\($0)" } }
    }
}
