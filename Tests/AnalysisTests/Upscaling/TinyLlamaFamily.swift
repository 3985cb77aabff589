import Foundation
@testable import Analysis

/// A tiny random Llama-shaped family written as Hugging Face directories: `base/` (config.json,
/// model.safetensors, tokenizer and generation files) and `ft0/`, `ft1/`, … whose every projection but
/// the `unchanged` ones carries a random update of rank `updateRank`.
enum TinyLlamaFamily {
    static let hidden = 64
    static let intermediate = 128
    static let heads = 4
    static let kvHeads = 2
    static let vocab = 96

    /// The seven projection shapes [out, in] of a decoder layer, by name.
    static var projections: [(String, [Int])] {
        let headDim = hidden / heads
        return [("self_attn.q_proj", [hidden, hidden]), ("self_attn.k_proj", [kvHeads * headDim, hidden]), ("self_attn.v_proj", [kvHeads * headDim, hidden]),
                ("self_attn.o_proj", [hidden, hidden]), ("mlp.gate_proj", [intermediate, hidden]), ("mlp.up_proj", [intermediate, hidden]), ("mlp.down_proj", [hidden, intermediate])]
    }

    /// `config.json` of a LlamaForCausalLM of `layers` decoder layers (`modelType` to test refusals).
    static func config(layers: Int, modelType: String = "llama") -> String {
        """
        {"architectures": ["LlamaForCausalLM"], "model_type": "\(modelType)", "hidden_size": \(hidden), "intermediate_size": \(intermediate),
         "num_hidden_layers": \(layers), "num_attention_heads": \(heads), "num_key_value_heads": \(kvHeads), "vocab_size": \(vocab),
         "max_position_embeddings": 128, "rms_norm_eps": 1e-06, "hidden_act": "silu", "tie_word_embeddings": false,
         "attention_bias": false, "mlp_bias": false, "torch_dtype": "float32", "bos_token_id": 1, "eos_token_id": 2}
        """
    }

    /// Writes the family into `directory`; returns the base path and the fine-tune paths.
    static func write(to directory: URL, layers: Int = 2, experts: Int = 3, updateRank: Int = 6, unchanged: Set<String> = [], modelType: String = "llama", seed: UInt64 = 7) throws -> (base: URL, models: [URL]) {
        var rng = SplitMix64(seed: seed)
        var base = [String: Tensor]()
        base["model.embed_tokens.weight"] = Tensor(rng.gaussianMatrix(vocab, hidden, scale: 0.5))
        base["lm_head.weight"] = Tensor(rng.gaussianMatrix(vocab, hidden, scale: 0.2))
        base["model.norm.weight"] = Tensor(shape: [hidden], values: (0..<hidden).map { _ in 1 + 0.1 * Float(rng.nextGaussian()) })
        for l in 0..<layers {
            base["model.layers.\(l).input_layernorm.weight"] = Tensor(shape: [hidden], values: Array(repeating: 1, count: hidden))
            base["model.layers.\(l).post_attention_layernorm.weight"] = Tensor(shape: [hidden], values: Array(repeating: 1, count: hidden))
            for (name, shape) in projections {
                base["model.layers.\(l).\(name).weight"] = Tensor(rng.gaussianMatrix(shape[0], shape[1], scale: 1 / Float(shape[1]).squareRoot()))
            }
        }
        let fm = FileManager.default
        let baseURL = directory.appendingPathComponent("base")
        try fm.createDirectory(at: baseURL, withIntermediateDirectories: true)
        try SafetensorsWriter.write(base, to: baseURL.appendingPathComponent("model.safetensors"))
        try Data(config(layers: layers, modelType: modelType).utf8).write(to: baseURL.appendingPathComponent("config.json"))
        try Data(#"{"bos_token_id": 1, "eos_token_id": 2}"#.utf8).write(to: baseURL.appendingPathComponent("generation_config.json"))
        try Data(#"{"model_max_length": 128}"#.utf8).write(to: baseURL.appendingPathComponent("tokenizer_config.json"))
        var models = [URL]()
        for e in 0..<experts {
            var tensors = base
            for l in 0..<layers {
                for (name, shape) in projections where !unchanged.contains("model.layers.\(l).\(name)") {
                    let key = "model.layers.\(l).\(name).weight"
                    let b = rng.gaussianMatrix(shape[0], updateRank, scale: 0.05)
                    let a = rng.gaussianMatrix(updateRank, shape[1], scale: 1 / Float(shape[1]).squareRoot())
                    tensors[key] = Tensor(tensors[key]!.matrix! + b * a)
                }
            }
            tensors["model.norm.weight"] = Tensor(shape: [hidden], values: tensors["model.norm.weight"]!.values.map { $0 + 0.01 * Float(e + 1) })
            let url = directory.appendingPathComponent("ft\(e)")
            try fm.createDirectory(at: url, withIntermediateDirectories: true)
            try SafetensorsWriter.write(tensors, to: url.appendingPathComponent("model.safetensors"))
            try Data(config(layers: layers, modelType: modelType).utf8).write(to: url.appendingPathComponent("config.json"))
            models.append(url)
        }
        return (baseURL, models)
    }
}
