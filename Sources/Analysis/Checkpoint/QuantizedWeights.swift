import CBLAS

/// Quantized weights: which stored tensors are not the weights' values, and how to recover them.
///
/// FP8 checkpoints (safetensors dtypes `F8_E4M3`, `F8_E5M2`) and int8 ones store q and a scale beside
/// it, `<module>.weight_scale` (compressed-tensors, ModelOpt) or `<module>.weight_scale_inv`
/// (DeepSeek-V3, transformers' fine-grained "fp8"); in every such layout the weight is W = q · s:
/// - per tensor: s has one element;
/// - per output channel: s is [m] or [m, 1] for an m × n weight, W[i, j] = q[i, j] · s[i];
/// - 128 × 128 blocks: s is [⌈m/128⌉, ⌈n/128⌉], W[i, j] = q[i, j] · s[i / 128, j / 128];
/// - groups along the input: s is [m, g] with g dividing n, W[i, j] = q[i, j] · s[i, j / (n/g)].
/// Any other scale shape, an F8 tensor without a scale, a scale beside a floating-point weight and an
/// asymmetric zero point are refused: such bytes must never be analysed as if they were the weight.
///
/// Packed integer formats (GPTQ, AWQ, bitsandbytes, compressed-tensors pack-quantized) are refused at
/// opening (``packedFormat(in:)``): their weights exist only after dequantization.
enum QuantizedWeights {
    /// Suffixes of the scale tensors applied to `<module>.weight`, in lookup order.
    static let weightScaleSuffixes = ["_scale", "_scale_inv"]
    /// Block size of `weight_scale_inv` block scales (DeepSeek-V3's `weight_block_size` [128, 128]).
    static let blockSize = 128

    /// Whether `name` is a quantization parameter of another tensor (a weight's scale, an activation
    /// scale) rather than a model tensor to analyse.
    static func isQuantizationParameter(_ name: String) -> Bool {
        [".weight_scale", ".weight_scale_inv", ".input_scale", ".output_scale", ".k_scale", ".v_scale"].contains { name.hasSuffix($0) }
    }

    /// Packed formats: tensor-name suffixes that betray them (any one suffices), and companions that are
    /// named in the message when present but prove nothing alone (`.scales` is a common word).
    private static let packedFormats: [(format: String, triggers: [String], companions: [String])] = [
        ("GPTQ/AWQ packed integer weights", [".qweight", ".qzeros"], [".g_idx", ".scales"]),
        ("bitsandbytes 4-bit (NF4/FP4) weights", [".absmax", ".quant_map", ".quant_state.bitsandbytes__nf4", ".quant_state.bitsandbytes__fp4"], [".nested_absmax", ".nested_quant_map"]),
        ("bitsandbytes 8-bit (LLM.int8) weights", [".SCB", ".weight_format"], []),
        ("compressed-tensors packed integer weights", [".weight_packed"], [".weight_shape"]),
        ("asymmetric integer weights (weight_zero_point)", [".weight_zero_point"], []),
    ]

    /// The packed format `names` hold, the suffixes found and an example tensor, or nil.
    static func packedFormat(in names: [String]) -> (format: String, found: [String], example: String)? {
        for (format, triggers, companions) in packedFormats {
            guard let example = names.first(where: { name in triggers.contains { name.hasSuffix($0) } }) else { continue }
            let found = (triggers + companions).filter { suffix in names.contains { $0.hasSuffix(suffix) } }.map { String($0.dropFirst()) }
            return (format, found, example)
        }
        return nil
    }

    /// W = q · s for `stored` (q decoded to `Float`) and its `scale`, in one of the layouts above.
    /// Throws ``CheckpointError/quantized(file:tensor:reason:)`` for a scale that fits none.
    static func dequantize(_ stored: Tensor, dtype: DType, scale: Tensor, scaleName: String, name: String, file: String) throws -> Tensor {
        func refuse(_ reason: String) -> CheckpointError { .quantized(file: file, tensor: name, reason: reason) }
        guard [.f8E4M3, .f8E5M2, .i8].contains(dtype) else {
            throw refuse("a \(dtype.rawValue) weight with a scale \(scaleName): only F8_E4M3, F8_E5M2 and I8 weights are dequantized")
        }
        let s = scale.values
        if s.count == 1 { return Tensor(shape: stored.shape, values: stored.values.map { $0 * s[0] }) }
        let layouts = "per tensor [], per output channel [m] or [m, 1], \(blockSize)×\(blockSize) blocks [⌈m/\(blockSize)⌉, ⌈n/\(blockSize)⌉], groups [m, g] with g dividing n"
        guard stored.shape.count == 2 else {
            throw refuse("\(scaleName) of shape \(scale.shape) for a \(stored.shape.count)-D weight: only a per-tensor scale applies")
        }
        let (m, n) = (stored.shape[0], stored.shape[1])
        let rows = scale.shape.first ?? 1, columns = scale.shape.count == 2 ? scale.shape[1] : 1
        // Each row is cut into segments of `width` columns sharing one scale, s[scaleIndex(i, segment)].
        let width: Int, scaleIndex: (Int, Int) -> Int
        if scale.shape == [m] || scale.shape == [m, 1] {
            (width, scaleIndex) = (n, { i, _ in i })
        } else if scale.shape == [(m + blockSize - 1) / blockSize, (n + blockSize - 1) / blockSize] {
            (width, scaleIndex) = (blockSize, { i, segment in (i / blockSize) * columns + segment })
        } else if scale.shape.count == 2, rows == m, columns > 0, n % columns == 0 {
            (width, scaleIndex) = (n / columns, { i, segment in i * columns + segment })
        } else {
            throw refuse("\(scaleName) of shape \(scale.shape) fits no scale layout of a \(stored.shape) weight (\(layouts))")
        }
        var values = stored.values
        values.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<m {
                for (segment, start) in stride(from: 0, to: n, by: width).enumerated() {
                    cblas_sscal(Int32(Swift.min(width, n - start)), s[scaleIndex(i, segment)], buffer.baseAddress! + i * n + start, 1)
                }
            }
        }
        return Tensor(shape: stored.shape, values: values)
    }
}

extension Checkpoint {
    /// `stored`, the decoded bytes of tensor `name`, as the weight's values: dequantized with its
    /// `weight_scale` / `weight_scale_inv` when it has one (see ``QuantizedWeights``); refused when it is
    /// an F8 tensor without one.
    func dequantized(_ name: String, stored: Tensor) throws -> Tensor {
        let info = self.info(name)!
        let scaleName = name.hasSuffix(".weight")
            ? QuantizedWeights.weightScaleSuffixes.map { name + $0 }.first { self.info($0) != nil }
            : nil
        guard let scaleName else {
            guard info.dtype != .f8E4M3, info.dtype != .f8E5M2 else {
                throw CheckpointError.quantized(
                    file: file(containing: name)!.displayPath, tensor: name,
                    reason: "an \(info.dtype.rawValue) tensor without a weight_scale or weight_scale_inv beside it: its bytes are not the weight's values")
            }
            return stored
        }
        let scaleFile = file(containing: scaleName)!
        return try QuantizedWeights.dequantize(stored, dtype: info.dtype, scale: try scaleFile.tensor(scaleName), scaleName: scaleName, name: name, file: scaleFile.displayPath)
    }

    /// One sentence on how this checkpoint's weights are quantized, or nil when none is.
    public var quantizationNote: String? {
        if let packed = QuantizedWeights.packedFormat(in: tensors.map(\.name)) {
            return "\(packed.format) (\(packed.found.joined(separator: ", "))): analyses refuse them; use a dequantized copy"
        }
        let fp8 = tensors.filter { $0.dtype == .f8E4M3 || $0.dtype == .f8E5M2 }
        guard !fp8.isEmpty else { return nil }
        let scaled = fp8.filter { info in QuantizedWeights.weightScaleSuffixes.contains { self.info(info.name + $0) != nil } }.count
        return "\(fp8.count) FP8 tensor(s), \(scaled) with a weight_scale / weight_scale_inv (dequantized when read)"
            + (scaled < fp8.count ? "; \(fp8.count - scaled) without one, refused by analyses" : "")
    }

    /// Refuses a checkpoint of packed quantized weights (GPTQ, AWQ, bitsandbytes, …) with what was found.
    func refusePackedWeights() throws {
        guard let packed = QuantizedWeights.packedFormat(in: tensors.map(\.name)) else { return }
        throw CheckpointError.quantized(
            file: displayPath, tensor: packed.example,
            reason: "\(packed.format) (found \(packed.found.joined(separator: ", "))): these are not real-valued weights; analyse a dequantized copy (e.g. the unquantized original, or the model loaded with transformers, dequantized and saved with save_pretrained)")
    }
}
