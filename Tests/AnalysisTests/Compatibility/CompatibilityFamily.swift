import Foundation
@testable import Analysis

/// Families for the compatibility tests: the side files of `Fixtures/compatibility/<variant>` (written by
/// `reference/tokenizer_fixtures.py` with the Hugging Face libraries) beside small Llama-shaped weights.
enum CompatibilityFamily {
    /// The fixture variants' folder.
    static let fixtures = Fixtures.url("compatibility")

    /// The tensors of a 2-layer Llama with the fixture config's shapes (hidden 64, intermediate 128,
    /// 4 heads of 16, 2 KV heads), `vocab` embedding rows, layers `0..<layers`, seeded by `seed`.
    static func llamaTensors(vocab: Int = 300, layers: Int = 2, seed: UInt64 = 1) -> [String: Tensor] {
        var tensors = [
            "model.embed_tokens.weight": TestModels.random([vocab, 64], seed: seed),
            "lm_head.weight": TestModels.random([vocab, 64], seed: seed &+ 1),
            "model.norm.weight": TestModels.random([64], seed: seed &+ 2),
        ]
        let shapes: [(String, [Int])] = [
            ("self_attn.q_proj.weight", [64, 64]), ("self_attn.k_proj.weight", [32, 64]), ("self_attn.v_proj.weight", [32, 64]),
            ("self_attn.o_proj.weight", [64, 64]), ("mlp.gate_proj.weight", [128, 64]), ("mlp.up_proj.weight", [128, 64]),
            ("mlp.down_proj.weight", [64, 128]), ("input_layernorm.weight", [64]), ("post_attention_layernorm.weight", [64]),
        ]
        for layer in 0..<layers {
            for (offset, (name, shape)) in shapes.enumerated() {
                tensors["model.layers.\(layer).\(name)"] = TestModels.random(shape, seed: seed &+ UInt64(10 * layer + offset + 3), scale: 0.1)
            }
        }
        return tensors
    }

    /// A model directory `directory/label` holding the side files of fixture `variant` and `tensors`.
    @discardableResult
    static func model(_ variant: String, in directory: URL, as label: String? = nil, tensors: [String: Tensor] = llamaTensors()) throws -> URL {
        let target = directory.appendingPathComponent(label ?? variant)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let source = fixtures.appendingPathComponent(variant)
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: target.appendingPathComponent(name))
        }
        try TestModels.checkpoint(tensors, in: target)
        return target
    }

    /// What `reference/tokenizer_fixtures.py` recorded the Hugging Face libraries saying about `variant`.
    static func expected(_ variant: String) throws -> [String: Any] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("expected.json"))
        let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return root[variant] as! [String: Any]
    }
}
