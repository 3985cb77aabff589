/// The tensor names of an upscaled layer: the state dict of FusionBench's `SmileMoELinear`
/// (`fusion_bench/models/smile_moe/linear_from_module.py`), whose submodules are `gate` (`SmileGate`,
/// parameter `weights`), `experts` (an `nn.ModuleList` of `SmileCompressedLinear`, parameters `u`, `svh`,
/// `bias`) and `pretrained_model` (the original `nn.Linear`). For the module `X` (weight `X.weight`):
///
/// | name | shape | value |
/// |---|---|---|
/// | `X.gate.weights` | [E·g, in] | stacked V_{i,:g}ᵀ |
/// | `X.experts.{i}.u` | [out, k] | U_{i,:k} |
/// | `X.experts.{i}.svh` | [k, in] | diag(S_{i,:k}) V_{i,:k}ᵀ |
/// | `X.experts.{i}.bias` | [out] | bᵢ − b_pre (only when the layer has a bias) |
/// | `X.pretrained_model.weight` | [out, in] | W_pre |
/// | `X.pretrained_model.bias` | [out] | b_pre (only when the layer has a bias) |
///
/// Experts are numbered from 0 in task order.
public enum SmileStateDict {
    /// `X` for the weight `X.weight` (the name unchanged when it does not end in `.weight`).
    public static func moduleName(forWeight name: String) -> String {
        name.hasSuffix(".weight") ? String(name.dropLast(".weight".count)) : name
    }

    /// The bias name `X.bias` of the weight `X.weight`.
    public static func biasName(forWeight name: String) -> String { moduleName(forWeight: name) + ".bias" }

    /// `X.gate.weights`.
    public static func gateName(_ module: String) -> String { "\(module).gate.weights" }
    /// `X.experts.{i}.u`.
    public static func expertU(_ module: String, _ i: Int) -> String { "\(module).experts.\(i).u" }
    /// `X.experts.{i}.svh`.
    public static func expertSVh(_ module: String, _ i: Int) -> String { "\(module).experts.\(i).svh" }
    /// `X.experts.{i}.bias`.
    public static func expertBias(_ module: String, _ i: Int) -> String { "\(module).experts.\(i).bias" }
    /// `X.pretrained_model.weight`.
    public static func pretrainedWeight(_ module: String) -> String { "\(module).pretrained_model.weight" }
    /// `X.pretrained_model.bias`.
    public static func pretrainedBias(_ module: String) -> String { "\(module).pretrained_model.bias" }

    /// Every tensor of `layer` under module name `module`, in the order of the table above.
    public static func tensors(module: String, layer: SmileLayer) -> [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = [(gateName(module), Tensor(layer.gate.weights))]
        for (i, expert) in layer.experts.enumerated() {
            out.append((expertU(module, i), Tensor(expert.u)))
            out.append((expertSVh(module, i), Tensor(expert.svh)))
            if let bias = expert.bias { out.append((expertBias(module, i), Tensor(shape: [bias.count], values: bias))) }
        }
        out.append((pretrainedWeight(module), Tensor(layer.pretrained.weight)))
        if let bias = layer.pretrained.bias { out.append((pretrainedBias(module), Tensor(shape: [bias.count], values: bias))) }
        return out
    }

    /// Rebuilds the layer `module` from a written checkpoint (experts counted from `X.experts.0.u` up).
    ///
    /// - Throws: ``CheckpointError/tensorNotFound(file:tensor:)`` for a missing piece,
    ///   ``UpscaleError/malformedLayer(module:reason:)`` when shapes do not fit together.
    public static func layer(module: String, topK: Int, in checkpoint: Checkpoint) throws -> SmileLayer {
        func matrix(_ name: String) throws -> MatrixF {
            let tensor = try checkpoint.tensor(name)
            guard let m = tensor.matrix else { throw UpscaleError.malformedLayer(module: module, reason: "\(name) has shape \(tensor.shape), not 2-D") }
            return m
        }
        func vector(_ name: String, count: Int) throws -> [Float]? {
            guard checkpoint.info(name) != nil else { return nil }
            let tensor = try checkpoint.tensor(name)
            guard tensor.shape == [count] else { throw UpscaleError.malformedLayer(module: module, reason: "\(name) has shape \(tensor.shape), expected [\(count)]") }
            return tensor.values
        }
        let weight = try matrix(pretrainedWeight(module))
        let baseBias = try vector(pretrainedBias(module), count: weight.rows)
        var experts = [SmileExpert]()
        while checkpoint.info(expertU(module, experts.count)) != nil {
            let i = experts.count
            let u = try matrix(expertU(module, i)), svh = try matrix(expertSVh(module, i))
            guard u.rows == weight.rows, svh.columns == weight.columns, u.columns == svh.rows else {
                throw UpscaleError.malformedLayer(module: module, reason: "expert \(i): u \(u.rows)×\(u.columns) and svh \(svh.rows)×\(svh.columns) do not fit a \(weight.rows)×\(weight.columns) layer")
            }
            let bias = try vector(expertBias(module, i), count: weight.rows)
            guard (bias == nil) == (baseBias == nil) else { throw UpscaleError.malformedLayer(module: module, reason: "expert \(i) and the pretrained layer disagree on having a bias") }
            experts.append(SmileExpert(u: u, svh: svh, bias: bias))
        }
        guard !experts.isEmpty else { throw CheckpointError.tensorNotFound(file: checkpoint.displayPath, tensor: expertU(module, 0)) }
        let gate = try matrix(gateName(module))
        guard gate.columns == weight.columns, gate.rows % experts.count == 0, gate.rows > 0 else {
            throw UpscaleError.malformedLayer(module: module, reason: "gate \(gate.rows)×\(gate.columns) does not fit \(experts.count) experts of \(weight.columns) inputs")
        }
        guard topK >= 1, topK <= experts.count else { throw UpscaleError.malformedLayer(module: module, reason: "top_k \(topK) is outside 1…\(experts.count)") }
        return SmileLayer(pretrained: PlainLinear(weight: weight, bias: baseBias), gate: SmileGate(weights: gate, expertCount: experts.count), experts: experts, topK: topK)
    }
}
