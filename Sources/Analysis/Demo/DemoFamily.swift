import Foundation

/// The built-in example family of `smile-inspect demo`: a small BERT-shaped base and three fine-tunes
/// whose updates are built to land in known places, written as real safetensors files and a real PEFT
/// LoRA adapter.
///
/// Base: two encoder blocks (query and value 48×48, intermediate 96×48, output 48×96, with biases and a
/// LayerNorm) and a 4-D stem convolution 16×8×3×3. Each weight is W = U diag(σ) Vᵀ with random orthonormal
/// U, V and a decaying spectrum σⱼ = 3·e^(−j/8) + 0.05, so the SMILE top zone is a handful of directions.
///
/// Tasks (every update has ‖ΔW‖ = 5% of ‖W‖):
/// - `alpha` (full fine-tune) writes into the middle zone, short of its last 8 directions:
///   ΔW = U_mid G V_midᵀ — SMILE's typical case.
/// - `beta` (LoRA adapter, r = 4, lora_alpha = 8) writes rank 4 into the least significant directions and,
///   for rectangular weights, the null space.
/// - `gamma` (full fine-tune) interferes on purpose: it undoes 70% of alpha's update and writes the rest
///   into the top zone.
/// So alpha + beta should merge, and any set containing alpha and gamma should not.
public enum DemoFamily {
    /// Task names, in the order the models are written.
    public static let taskNames = ["alpha", "beta", "gamma"]

    /// The paths of a written family.
    public struct Paths: Sendable {
        public var base: URL
        public var models: [URL]
    }

    /// Writes the family under `directory` (created if needed): `base/`, `alpha/`, `beta/` (adapter),
    /// `gamma/`. Deterministic: the same bytes every time.
    public static func write(to directory: URL) throws -> Paths {
        var rng = SplitMix64(seed: 2408_10174)
        var base = [String: Tensor](), alpha = [String: Tensor](), gamma = [String: Tensor](), lora = [String: Tensor]()
        for block in 0..<2 {
            let prefix = "encoder.layer.\(block)."
            for (module, m, n) in [("attention.self.query", 48, 48), ("attention.self.value", 48, 48), ("intermediate.dense", 96, 48), ("output.dense", 48, 96)] {
                let name = prefix + module
                let layer = makeLayer(m, n, rng: &rng)
                base[name + ".weight"] = Tensor(layer.weight)
                alpha[name + ".weight"] = Tensor(layer.weight + layer.alpha)
                gamma[name + ".weight"] = Tensor(layer.weight + layer.gamma)
                lora["base_model.model.\(name).lora_A.weight"] = Tensor(layer.loraA)
                lora["base_model.model.\(name).lora_B.weight"] = Tensor(layer.loraB)
                let bias = rng.gaussianMatrix(1, m, scale: 0.02)
                base[name + ".bias"] = Tensor(shape: [m], values: bias.elements)
                alpha[name + ".bias"] = Tensor(shape: [m], values: (bias + rng.gaussianMatrix(1, m, scale: 0.002)).elements)
                gamma[name + ".bias"] = Tensor(shape: [m], values: (bias + rng.gaussianMatrix(1, m, scale: 0.002)).elements)
            }
            let norm = Tensor(shape: [48], values: Array(repeating: 1, count: 48))
            base[prefix + "output.LayerNorm.weight"] = norm
            alpha[prefix + "output.LayerNorm.weight"] = Tensor(shape: [48], values: (0..<48).map { _ in 1 + 0.01 * Float(rng.nextGaussian()) })
            gamma[prefix + "output.LayerNorm.weight"] = norm
        }
        let conv = rng.gaussianMatrix(1, 16 * 8 * 9, scale: 0.2)
        base["stem.conv.weight"] = Tensor(shape: [16, 8, 3, 3], values: conv.elements)
        alpha["stem.conv.weight"] = Tensor(shape: [16, 8, 3, 3], values: (conv + rng.gaussianMatrix(1, conv.columns, scale: 0.01)).elements)
        gamma["stem.conv.weight"] = Tensor(shape: [16, 8, 3, 3], values: (conv + rng.gaussianMatrix(1, conv.columns, scale: 0.01)).elements)

        let paths = Paths(base: directory.appendingPathComponent("base"), models: taskNames.map { directory.appendingPathComponent($0) })
        for url in [paths.base] + paths.models { try OutputPath.createDirectory(url.relativePath) }
        try SafetensorsWriter.write(base, to: paths.base.appendingPathComponent("model.safetensors"))
        try SafetensorsWriter.write(alpha, to: paths.models[0].appendingPathComponent("model.safetensors"))
        try SafetensorsWriter.write(lora, to: paths.models[1].appendingPathComponent("adapter_model.safetensors"))
        try AtomicFile.write(data: Data(adapterConfig.utf8), to: paths.models[1].appendingPathComponent("adapter_config.json"))
        try SafetensorsWriter.write(gamma, to: paths.models[2].appendingPathComponent("model.safetensors"))
        return paths
    }

    /// The PEFT configuration of the `beta` adapter.
    static let adapterConfig = """
        {
          "base_model_name_or_path": "smile-inspect-demo/base",
          "peft_type": "LORA",
          "r": 4,
          "lora_alpha": 8,
          "target_modules": ["query", "value", "dense"],
          "fan_in_fan_out": false,
          "use_rslora": false,
          "use_dora": false,
          "rank_pattern": {},
          "alpha_pattern": {}
        }

        """

    private struct Layer {
        var weight: MatrixF
        var alpha: MatrixF
        var gamma: MatrixF
        var loraA: MatrixF
        var loraB: MatrixF
    }

    /// One weight with its three updates, each scaled to 5% of ‖W‖.
    private static func makeLayer(_ m: Int, _ n: Int, rng: inout SplitMix64) -> Layer {
        let r = min(m, n)
        let u = rng.gaussianMatrix(m, m).qr().orthonormal
        let v = rng.gaussianMatrix(n, n).qr().orthonormal
        let sigma = (0..<r).map { 3 * Float(exp(-Double($0) / 8)) + 0.05 }
        let weight = u.columns(0..<r).scalingColumns(by: sigma).multiplied(by: v.columns(0..<r), transposingOther: true)
        let target = 0.05 * weight.frobeniusNorm
        func scaled(_ x: MatrixF) -> MatrixF { Float(target / x.frobeniusNorm) * x }
        func block(_ left: Range<Int>, _ right: Range<Int>) -> MatrixF {
            (u.columns(left) * rng.gaussianMatrix(left.count, right.count)).multiplied(by: v.columns(right), transposingOther: true)
        }
        let k = ZoneRule.smileDefault.cut(sigma.map(Double.init))
        let alpha = scaled(block(k..<(r - 8), k..<(r - 8)))
        let gamma = scaled((-0.7) * alpha + scaled(block(0..<k, 0..<k)))
        let loraRank = 4
        let lowLeft = (m - loraRank)..<m, lowRight = (n - loraRank)..<n
        let b = u.columns(lowLeft) * rng.gaussianMatrix(loraRank, loraRank)
        let a = v.columns(lowRight).transposed
        let loraScale: Float = 2
        let norm = (loraScale * (b * a)).frobeniusNorm
        return Layer(weight: weight, alpha: alpha, gamma: gamma, loraA: a, loraB: Float(target / norm) * b)
    }
}
