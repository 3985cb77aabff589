import Foundation
import Testing
@testable import Analysis

/// `--gate-k k`: the router of every layer reads exactly the k directions its experts act on, priced per
/// rank by a budget; and the probes of a built layer have rank k (`--probe-rank` unset).
@Suite struct GateTiedToKTests {
    @Test func everyLayerRoutesWithItsOwnK() throws {
        let (family, directory) = try UpscaleSupport.demoFamily()
        defer { try? FileManager.default.removeItem(at: directory) }
        let options = SmileUpscaleOptions(expertRank: .fixed(3), probeSamples: 8, sharedPath: .merged(lambda: nil), gateRankTiedToK: true)
        let report = try SmileUpscaler(options: options).upscale(family, to: directory.appendingPathComponent("moe"))
        #expect(!report.layers.isEmpty)
        #expect(report.config.gateKTiedToK == true && report.config.sharedPath == "merged")
        for layer in report.layers {
            #expect(layer.gateK == layer.k, "\(layer.module)")
            #expect(layer.routing?.probeRank == layer.k, "\(layer.module): probes of rank k")
            #expect(layer.sharedLambda != nil, "\(layer.module)")
        }
    }

    @Test func aBudgetPaysTheRouterPerRank() throws {
        let (family, directory) = try UpscaleSupport.demoFamily()
        defer { try? FileManager.default.removeItem(at: directory) }
        let options = SmileUpscaleOptions(expertRank: .fixed(Int.max), probeSamples: 0, budget: 0.5, sharedPath: .merged(lambda: nil), gateRankTiedToK: true)
        let report = try SmileUpscaler(options: options).upscale(family, to: directory.appendingPathComponent("moe"))
        let plan = try #require(report.config.budget)
        #expect(plan.overhead <= 0.5)
        for (planned, layer) in zip(plan.layers, report.layers) {
            #expect(planned.module == layer.module && planned.k == layer.k && planned.gateK == layer.k)
            // Router E·k·n + experts E·k·(m + n) + expert biases: what the budget charged is what was written.
            #expect(planned.overheadParameters == layer.parameters.upscaled - layer.parameters.base, "\(layer.module)")
        }
        #expect(throws: UpscaleError.self) {
            try SmileUpscaleOptions(probeSamples: 4, routingTarget: 0.9, gateRankTiedToK: true).validate(expertCount: 2)
        }
    }

    /// The command's measured defaults: the Iso-C path at Iso-C's default c for every family (3 with any
    /// full fine-tune, 1 for adapters only), the tied router with any full fine-tune, gate_k 1 for adapters.
    @Test func measuredDefaultsFollowTheFamilyKind() {
        #expect(SmileUpscaleOptions.measuredDefaults(kinds: [.full, .full]) == (.isoC(coefficient: 3), true))
        #expect(SmileUpscaleOptions.measuredDefaults(kinds: [.lora, .full]) == (.isoC(coefficient: 3), true))
        #expect(SmileUpscaleOptions.measuredDefaults(kinds: [.lora, .lora]) == (.isoC(coefficient: 1), false))
    }
}
