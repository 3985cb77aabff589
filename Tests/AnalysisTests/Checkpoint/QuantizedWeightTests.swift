import Foundation
import Testing
@testable import Analysis

/// FP8 weights are dequantized with their scales (values from `reference/fp8_fixture.py`, which decodes
/// the bit patterns by formula in float64), and quantized bytes are never analysed as if they were the
/// weight: a missing or unusable scale and packed formats are refused with one clear line.
struct QuantizedWeightTests {
    static let stored = Fixtures.url("quantized/fp8.safetensors")
    static let expected = Fixtures.url("quantized/fp8_expected.safetensors")

    @Test(arguments: ["per_tensor.weight", "per_channel.weight", "blocks.weight", "groups.weight"])
    func dequantizedValuesMatchTheReference(name: String) throws {
        let checkpoint = try Checkpoint(url: Self.stored)
        let reference = try SafetensorsFile(url: Self.expected).tensor(name)
        let values = try checkpoint.tensor(name)
        #expect(values.shape == reference.shape)
        let worst = zip(values.values, reference.values).map { abs(Double($0) - Double($1)) / Swift.max(abs(Double($1)), 1e-30) }.max() ?? 0
        #expect(worst <= 1.2e-7, "\(name): worst relative error \(worst)")
        let raw = try checkpoint.file(containing: name)!.tensor(name)
        #expect(raw.values != values.values, "the scale must have been applied")
    }

    @Test func theCheckpointSaysHowItIsQuantized() throws {
        #expect(try Checkpoint(url: Self.stored).quantizationNote == "6 FP8 tensor(s), 5 with a weight_scale / weight_scale_inv (dequantized when read); 1 without one, refused by analyses")
        #expect(try Checkpoint(url: Self.expected).quantizationNote == nil)
    }

    @Test func anF8WeightWithoutItsScaleIsRefused() throws {
        let error = checkpointError { _ = try Checkpoint(url: Self.stored).tensor("unscaled.weight") }
        guard case let .quantized(file, tensor, reason) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(file.hasSuffix("fp8.safetensors") && tensor == "unscaled.weight")
        #expect(reason.contains("F8_E4M3") && reason.contains("without a weight_scale"))
    }

    @Test func aScaleOfNoKnownLayoutIsRefused() throws {
        let description = checkpointError { _ = try Checkpoint(url: Self.stored).tensor("odd_scale.weight") }?.description ?? ""
        #expect(description.contains("odd_scale.weight_scale of shape [3] fits no scale layout of a [4, 4] weight"))
    }

    @Test func aScaleBesideAFloatWeightIsRefused() throws {
        let directory = try Fixtures.temporaryDirectory()
        try TestModels.checkpoint(["a.weight": TestModels.random([4, 4], seed: 1), "a.weight_scale": Tensor(shape: [1], values: [0.5])], in: directory)
        let description = checkpointError { _ = try Checkpoint(url: directory).tensor("a.weight") }?.description ?? ""
        #expect(description.contains("a F32 weight with a scale a.weight_scale"))
    }

    @Test func anFP8BaseIsAnalysedDequantizedAndItsScalesAreNotTensorsOfTheFamily() throws {
        let root = try Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(at: root.appendingPathComponent("base"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.stored, to: root.appendingPathComponent("base/model.safetensors"))
        let weight = try SafetensorsFile(url: Self.expected).tensor("blocks.weight")
        let delta = TestModels.random(weight.shape, seed: 7, scale: 0.01)
        try TestModels.checkpoint(["blocks.weight": Tensor(shape: weight.shape, values: zip(weight.values, delta.values).map { $0 + $1 })], in: root.appendingPathComponent("ft"))
        let family = try ModelFamily.open(base: root.appendingPathComponent("base").path, models: [root.appendingPathComponent("ft").path])
        #expect(family.matched.map(\.name) == ["blocks.weight"])
        #expect(!family.skipped.contains { QuantizedWeights.isQuantizationParameter($0.tensor) })
        #expect(family.notes.contains { $0.contains("quantization scale(s) of the base") })
        let update = try #require(family.updates(for: "blocks.weight").first).dense
        let worst = zip(update.elements, delta.values).map { abs($0 - $1) }.max() ?? 1
        let magnitude = weight.values.map(abs).max() ?? 1
        #expect(worst <= 2 * Float.ulpOfOne * magnitude, "ΔW = W_ft − dequantized W_pre, worst error \(worst) (|W| up to \(magnitude))")
    }

    @Test(arguments: [
        (["m.q_proj.qweight", "m.q_proj.qzeros", "m.q_proj.scales", "m.q_proj.g_idx"], "GPTQ/AWQ packed integer weights (found qweight, qzeros, g_idx, scales)"),
        (["m.q_proj.weight", "m.q_proj.weight.absmax", "m.q_proj.weight.quant_map", "m.q_proj.weight.quant_state.bitsandbytes__nf4"], "bitsandbytes 4-bit (NF4/FP4) weights"),
        (["m.q_proj.weight", "m.q_proj.SCB", "m.q_proj.weight_format"], "bitsandbytes 8-bit (LLM.int8) weights"),
    ])
    func packedQuantizedCheckpointsAreRefusedSayingWhatWasFound(names: [String], format: String) throws {
        let root = try Fixtures.temporaryDirectory()
        var tensors = Dictionary(uniqueKeysWithValues: names.map { ($0, Tensor(shape: [2, 2], values: [1, 2, 3, 4])) })
        tensors["m.norm.weight"] = Tensor(shape: [2], values: [1, 1])
        try TestModels.checkpoint(tensors, in: root.appendingPathComponent("base"))
        try TestModels.checkpoint(["m.norm.weight": Tensor(shape: [2], values: [1, 2])], in: root.appendingPathComponent("ft"))
        let error = checkpointError { _ = try ModelFamily.open(base: root.appendingPathComponent("base").path, models: [root.appendingPathComponent("ft").path]) }
        let description = error?.description ?? ""
        #expect(description.contains(format), "\(description)")
        #expect(description.contains("analyse a dequantized copy") && !description.contains("\n"))
    }
}
