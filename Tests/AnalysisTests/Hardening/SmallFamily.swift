import Foundation
@testable import Analysis

/// A small family written to disk for the hardening suites: a base with two linear layers per block, a
/// bias and a 4-D convolution; full fine-tunes are the base plus seeded noise, the LoRA adapter adapts
/// the value weights.
struct SmallFamily {
    /// The base's tensors.
    var base: [String: Tensor] = [
        "enc.0.query.weight": TestModels.random([8, 6], seed: 1),
        "enc.0.value.weight": TestModels.random([8, 6], seed: 2),
        "enc.0.query.bias": TestModels.random([8], seed: 3),
        "enc.1.query.weight": TestModels.random([6, 6], seed: 4),
        "enc.1.value.weight": TestModels.random([6, 6], seed: 5),
        "conv.weight": TestModels.random([4, 2, 3, 3], seed: 6),
    ]

    /// A full fine-tune: every base tensor plus N(0, 0.05²) noise drawn from `seed`.
    func fullFineTune(seed: UInt64) -> [String: Tensor] {
        base.mapValues { tensor in
            let noise = TestModels.random(tensor.shape, seed: seed &+ UInt64(tensor.numel), scale: 0.05)
            return Tensor(shape: tensor.shape, values: zip(tensor.values, noise.values).map { $0 + $1 })
        }
    }

    /// LoRA factors (r = 2) for both value weights, keyed as PEFT saves them.
    func loraFactors(seed: UInt64) -> [String: Tensor] {
        var tensors = [String: Tensor]()
        for (index, (module, rows, columns)) in [("enc.0.value", 8, 6), ("enc.1.value", 6, 6)].enumerated() {
            tensors["base_model.model.\(module).lora_A.weight"] = TestModels.random([2, columns], seed: seed &+ UInt64(2 * index), scale: 0.1)
            tensors["base_model.model.\(module).lora_B.weight"] = TestModels.random([rows, 2], seed: seed &+ UInt64(2 * index + 1), scale: 0.1)
        }
        return tensors
    }

    /// Writes `base` and `models` (name → tensors; LoRA factors when the name starts with `lora`) under a
    /// fresh directory and opens them as a family.
    func open(models: [(String, [String: Tensor])]) throws -> ModelFamily {
        let root = try Fixtures.temporaryDirectory()
        try TestModels.checkpoint(base, in: root.appendingPathComponent("base"))
        for (name, tensors) in models {
            let directory = root.appendingPathComponent(name)
            if name.hasPrefix("lora") {
                try TestModels.adapter(config: TestModels.loraConfig(r: 2, alpha: 4), tensors: tensors, in: directory)
            } else {
                try TestModels.checkpoint(tensors, in: directory)
            }
        }
        return try ModelFamily.open(base: root.appendingPathComponent("base").path, models: models.map { root.appendingPathComponent($0.0).path })
    }

    /// `tensor` with `value` written at `index`.
    static func poisoned(_ tensor: Tensor?, at index: Int, with value: Float) -> Tensor {
        var tensor = tensor!
        tensor.values[index] = value
        return tensor
    }
}
