import Foundation
import Testing
@testable import Analysis

/// The real all-MiniLM-L6-v2 slice: three full fine-tunes and three LoRA adapters (r = 8). Two layers
/// only, to stay fast; skipped when the models are not on this machine.
@Suite(.enabled(if: Fixtures.miniLM != nil, "MiniLM family not present")) struct UpscaleMiniLMTests {
    static let tasks = ["mansec", "codelang", "pyeco"]
    static let include = "encoder\\.layer\\.(0\\.attention\\.self\\.query|5\\.output\\.dense)\\.weight"

    static func upscale(_ kind: String, k: Int) throws -> (report: UpscaleReport, checkpoint: Checkpoint, family: ModelFamily, directory: URL) {
        let root = try #require(Fixtures.miniLM)
        let family = try ModelFamily.open(
            base: root.appendingPathComponent("base").path, models: tasks.map { root.appendingPathComponent("\(kind)-\($0)").path })
        let directory = try Fixtures.temporaryDirectory()
        let out = directory.appendingPathComponent("smile")
        let report = try SmileUpscaler(options: SmileUpscaleOptions(expertRank: .fixed(k), include: include, others: .base, probeSamples: 64)).upscale(family, to: out)
        return (report, try Checkpoint(url: out), family, directory)
    }

    /// Reads each layer back and checks routing and the forward pass against the fine-tuned layers.
    static func check(_ run: (report: UpscaleReport, checkpoint: Checkpoint, family: ModelFamily, directory: URL), expectedK: Int) throws {
        #expect(run.report.layers.map(\.module) == ["encoder.layer.0.attention.self.query", "encoder.layer.5.output.dense"])
        var rng = SplitMix64(seed: 33)
        for entry in run.report.layers {
            #expect(entry.k == expectedK)
            #expect(entry.routingAccuracyGateSubspace?.perExpert == [1, 1, 1], "\(entry.module)")
            let layer = try SmileStateDict.layer(module: entry.module, topK: 1, in: run.checkpoint)
            let x = rng.gaussianMatrix(24, entry.inFeatures)
            let y = layer.forward(x)
            let fineTuned = try (0..<3).map { i in
                PlainLinear(weight: try run.family.fineTunedTensor(model: i, entry.module + ".weight").matrix!,
                            bias: try run.family.fineTunedTensor(model: i, entry.module + ".bias").values)
            }
            for (r, selected) in layer.route(x).selected.enumerated() {
                let i = selected[0]
                let row = x.rows(r..<(r + 1))
                let error = UpscaleSupport.rowNorm(y.rows(r..<(r + 1)) - fineTuned[i].forward(row), 0)
                #expect(Double(error) <= entry.truncationError[i] * Double(UpscaleSupport.rowNorm(row, 0)) * 1.001 + 1e-3, "\(entry.module) expert \(i)")
            }
        }
        #expect(run.report.config.otherTensors.count == run.family.matched.count - 4)
    }

    @Test func fullFineTunes() throws {
        let run = try Self.upscale("full", k: 32)
        defer { try? FileManager.default.removeItem(at: run.directory) }
        try Self.check(run, expectedK: 32)
        #expect(run.report.layers.allSatisfy { $0.updateRanks.allSatisfy { $0 > 32 } && $0.energyKept.allSatisfy { $0 > 0.3 && $0 < 1 } })
    }

    @Test func loraAdapters() throws {
        let run = try Self.upscale("lora", k: 128)
        defer { try? FileManager.default.removeItem(at: run.directory) }
        try Self.check(run, expectedK: 8)
        #expect(run.report.layers.allSatisfy { $0.updateRanks == [8, 8, 8] && $0.energyKept.allSatisfy { abs($0 - 1) < 1e-9 } })
        #expect(run.report.config.experts.allSatisfy { $0.kind == "lora" })
    }
}
