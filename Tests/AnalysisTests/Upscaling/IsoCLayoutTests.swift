import Foundation
import Testing
@testable import Analysis

/// The Iso-C shared path with β in the whole-model layouts: `--layout hf` writes the same tensors as
/// `fusionbench-hf` (its modeling file reads only `shared_linear`, `gate` and `experts.i.u/.svh/.bias`, so it
/// computes the same), and the per-layer `smile-moe-linear` output holds the same shared path and experts.
@Suite struct IsoCLayoutTests {
    @Test func everyLayoutWritesTheSameIsoCLayer() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try FusionBenchHFLayoutTests.family(directory)
        var options = SmileUpscaleOptions(expertRank: .fixed(4), gateRank: 2, others: .base, probeSamples: 0, layout: .hf, sharedPath: .isoC(coefficient: nil))
        let hf = directory.appendingPathComponent("hf"), fb = directory.appendingPathComponent("fb"), moe = directory.appendingPathComponent("moe")
        let report = try SmileUpscaler(options: options).upscale(family, to: hf)
        #expect(report.config.sharedPath == "iso-c:3.0" && report.config.expertScale == 0.5)
        options.layout = .fusionBenchHF
        _ = try SmileUpscaler(options: options).upscale(family, to: fb)
        options.layout = .smileMoELinear
        _ = try SmileUpscaler(options: options).upscale(family, to: moe)
        let written = try Checkpoint(url: hf), reference = try Checkpoint(url: fb), perLayer = try Checkpoint(url: moe)
        #expect(Set(written.tensors.map(\.name)) == Set(reference.tensors.map(\.name)))
        for tensor in reference.tensors {
            #expect(UpscaleSupport.sameUpToRounding(try written.tensor(tensor.name).values, try reference.tensor(tensor.name).values), "\(tensor.name)")
        }
        for module in report.config.modules {
            let x = module.module
            let shared = try written.tensor(x + ".shared_linear.weight").values
            #expect(shared != (try family.baseTensor(x + ".weight").values), "\(x): the shared path is W_pre")
            #expect(UpscaleSupport.sameUpToRounding(shared, try perLayer.tensor(x + ".pretrained_model.weight").values))
            #expect(UpscaleSupport.sameUpToRounding(try written.tensor(x + ".experts.1.u").values, try perLayer.tensor(x + ".experts.1.u").values))
        }
    }
}
