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
        var options = SmileUpscaleOptions(expertRank: .energy(1.0, maximum: nil), gateRank: 2, others: .base, probeSamples: 0, layout: .hf, sharedPath: .isoC(coefficient: nil))
        let hf = directory.appendingPathComponent("hf"), fb = directory.appendingPathComponent("fb"), moe = directory.appendingPathComponent("moe")
        let report = try SmileUpscaler(options: options).upscale(family, to: hf)
        #expect(report.config.sharedPath == "iso-c:3.0" && report.config.expertScale == 0.5)
        options.layout = .fusionBenchHF
        _ = try SmileUpscaler(options: options).upscale(family, to: fb)
        options.layout = .smileMoELinear
        _ = try SmileUpscaler(options: options).upscale(family, to: moe)
        let written = try Checkpoint(url: hf), reference = try Checkpoint(url: fb), perLayer = try Checkpoint(url: moe)
        #expect(Set(written.tensors.map(\.name)) == Set(reference.tensors.map(\.name)))
        // Experts compared as products u·svh: every triplet is kept (all of the energy), so the
        // product is the unique β-scaled residual even where its σ repeat (the Iso-C residual's spectrum is
        // flat) and u alone is any basis of the repeated block.
        for tensor in reference.tensors where !tensor.name.hasSuffix(".u") && !tensor.name.hasSuffix(".svh") {
            #expect(UpscaleSupport.sameUpToRounding(try written.tensor(tensor.name).values, try reference.tensor(tensor.name).values), "\(tensor.name)")
        }
        for tensor in reference.tensors where tensor.name.hasSuffix(".u") {
            let expert = String(tensor.name.dropLast(2))
            #expect(UpscaleSupport.sameUpToRounding(try Self.product(written, expert), try Self.product(reference, expert)), "\(expert)")
        }
        for module in report.config.modules {
            let x = module.module
            let shared = try written.tensor(x + ".shared_linear.weight").values
            #expect(shared != (try family.baseTensor(x + ".weight").values), "\(x): the shared path is W_pre")
            #expect(UpscaleSupport.sameUpToRounding(shared, try perLayer.tensor(x + ".pretrained_model.weight").values))
            #expect(UpscaleSupport.sameUpToRounding(try Self.product(written, x + ".experts.1"), try Self.product(perLayer, x + ".experts.1")))
        }
    }

    /// The expert's u·svh (m×n) as written under `expert` (`….experts.i`).
    static func product(_ checkpoint: Checkpoint, _ expert: String) throws -> [Float] {
        let u = try checkpoint.tensor(expert + ".u"), svh = try checkpoint.tensor(expert + ".svh")
        let left = MatrixF(rows: u.shape[0], columns: u.shape[1], elements: u.values)
        let right = MatrixF(rows: svh.shape[0], columns: svh.shape[1], elements: svh.values)
        return (left * right).elements
    }
}
