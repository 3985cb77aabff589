import Foundation
import Testing
@testable import Analysis

/// `--layout hf` with per-module ranks: a `--budget` plan is written as planned (each SmileLinear at its own
/// k and gate_k, `smile_module_ranks` in config.json), the same experts and routers as the default
/// `smile-moe-linear` layout; a uniform output has no such field; `fusionbench-hf` keeps one rank.
/// Loading and outputs in torch: `reference/hf_layout_reference.py` (its `budget0.5` settings).
@Suite struct HFLayoutModuleRanksTests {
    static let zero = "model.layers.1.self_attn.k_proj"

    /// Budget options (router rank tied to k, as the command's default for full fine-tunes).
    static func budget(_ budget: Double, layout: UpscaleLayout) -> SmileUpscaleOptions {
        SmileUpscaleOptions(expertRank: .fixed(Int.max), others: .base, probeSamples: 0, budget: budget, layout: layout, gateRankTiedToK: true)
    }

    static func moduleRanks(_ directory: URL) throws -> [String: [Int]]? {
        try HFLayoutTests.config(directory)[SmileRemoteCode.moduleRanksField].map { try #require($0 as? [String: [Int]]) }
    }

    @Test func aBudgetWritesEveryModuleAtItsPlannedRanks() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try FusionBenchHFLayoutTests.family(directory, unchanged: [Self.zero])
        let hf = directory.appendingPathComponent("hf"), moe = directory.appendingPathComponent("moe")
        let report = try SmileUpscaler(options: Self.budget(0.3, layout: .hf)).upscale(family, to: hf)
        let reference = try SmileUpscaler(options: Self.budget(0.3, layout: .smileMoELinear)).upscale(family, to: moe)

        // The plan is the default layout's, per layer (not one k for the model).
        let plan = try #require(report.config.budget)
        #expect(!plan.uniformRank && plan == reference.config.budget)
        try #require(Set(plan.layers.map(\.k)).count > 1, "the budget should give the layers different ranks")

        let ranks = try #require(try Self.moduleRanks(hf))
        let bare = { (module: String) in String(module.dropFirst("model.".count)) }
        #expect(Set(ranks.keys) == Set((0..<2).flatMap { l in TinyLlamaFamily.projections.map { "layers.\(l).\($0.0)" } }))
        let readme = { (url: URL) in try String(contentsOf: url.appendingPathComponent("README.md"), encoding: .utf8) }
        #expect(try readme(hf).contains("listed in `config.json`'s `smile_module_ranks`"))
        let config = try HFLayoutTests.config(hf)
        #expect(config["rank_of_expert"] as? Int == ranks.values.map { $0[0] }.max())
        #expect(config["rank_of_router"] as? Int == ranks.values.map { $0[1] }.max())

        let written = try Checkpoint(url: hf), expected = try Checkpoint(url: moe)
        for layer in reference.layers {
            let x = layer.module, (m, n) = (layer.outFeatures, layer.inFeatures)
            #expect(ranks[bare(x)] == [layer.k, layer.gateK], "\(x)")
            #expect(written.info("\(x).gate.weight")?.shape == [3 * layer.gateK, n], "\(x)")
            #expect(UpscaleSupport.sameUpToRounding(try written.tensor("\(x).gate.weight").values, try expected.tensor("\(x).gate.weights").values), "\(x)")
            for i in 0..<3 {
                #expect(written.info("\(x).experts.\(i).u")?.shape == [m, layer.k] && written.info("\(x).experts.\(i).svh")?.shape == [layer.k, n], "\(x)")
                for part in ["u", "svh"] {
                    let name = "\(x).experts.\(i).\(part)"
                    #expect(UpscaleSupport.sameUpToRounding(try written.tensor(name).values, try expected.tensor(name).values), "\(name)")
                }
            }
        }
        // The zero-update projection: plain in the default layout, a SmileLinear of rank 1 with zero router and experts here.
        #expect(reference.config.plainLinear.contains(Self.zero) && report.config.plainLinear == [Self.zero])
        #expect(ranks[bare(Self.zero)] == [1, 1])
        #expect(written.info("\(Self.zero).experts.0.u")?.shape == [32, 1] && written.info("\(Self.zero).gate.weight")?.shape == [3, 64])
        #expect(try written.tensor("\(Self.zero).gate.weight").values.allSatisfy { $0 == 0 })
        #expect(try written.tensor("\(Self.zero).shared_linear.weight").values == family.baseTensor("\(Self.zero).weight").values)
    }

    @Test func sharedOnlyLayersStayZeroRoutedAtRankOne() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try FusionBenchHFLayoutTests.family(directory)
        // A limit between the flattest and the least flat layer leaves some, not all, layers shared.
        let modules = (0..<2).flatMap { l in TinyLlamaFamily.projections.map { "model.layers.\(l).\($0.0)" } }
        let phi = try modules.map { try #require(try SpectralFlatness.of(family.updates(for: $0 + ".weight"), context: $0)) }.sorted()
        var options = Self.budget(0.3, layout: .hf)
        options.maxFlatness = (phi[phi.count / 2 - 1] + phi[phi.count / 2]) / 2
        let hf = directory.appendingPathComponent("hf")
        let report = try SmileUpscaler(options: options).upscale(family, to: hf)
        let shared = try #require(report.config.sharedOnly).map(\.module)
        try #require(!shared.isEmpty && shared.count < modules.count)

        let ranks = try #require(try Self.moduleRanks(hf))
        let written = try Checkpoint(url: hf)
        #expect(Set(try #require(report.config.budget).layers.map(\.module)).isDisjoint(with: shared))
        for x in shared {
            #expect(ranks[String(x.dropFirst("model.".count))] == [1, 1], "\(x)")
            #expect(try written.tensor("\(x).gate.weight").values.allSatisfy { $0 == 0 } && written.tensor("\(x).experts.2.svh").values.allSatisfy { $0 == 0 }, "\(x)")
        }
    }

    @Test func aUniformOutputHasNoModuleRanks() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try FusionBenchHFLayoutTests.family(directory, unchanged: [Self.zero])
        // One k and one gate rank: the field is absent and config.json is fusionbench-hf's plus auto_map, byte for byte.
        var options = SmileUpscaleOptions(expertRank: .fixed(4), gateRank: 2, others: .base, probeSamples: 0, layout: .hf)
        let hf = directory.appendingPathComponent("hf"), fusionBench = directory.appendingPathComponent("fusionbench")
        _ = try SmileUpscaler(options: options).upscale(family, to: hf)
        options.layout = .fusionBenchHF
        _ = try SmileUpscaler(options: options).upscale(family, to: fusionBench)
        #expect(try Self.moduleRanks(hf) == nil)
        #expect(try !String(contentsOf: hf.appendingPathComponent("README.md"), encoding: .utf8).contains("smile_module_ranks"))
        let text = { (url: URL) in try String(contentsOf: url.appendingPathComponent("config.json"), encoding: .utf8) }
        let hfText = try text(hf), fusionBenchText = try text(fusionBench)
        let autoMap = try #require(hfText.range(of: ",\n  \"auto_map\""))
        #expect(String(hfText[..<autoMap.lowerBound]) == String(fusionBenchText.dropLast(3)), "\(hfText)")

        // fusionbench-hf keeps one k under a budget.
        let budgeted = directory.appendingPathComponent("fusionbench-budget")
        let report = try SmileUpscaler(options: Self.budget(0.3, layout: .fusionBenchHF)).upscale(family, to: budgeted)
        #expect(try #require(report.config.budget).uniformRank && Self.moduleRanks(budgeted) == nil)
    }

    @Test func autoGateRanksArePerModuleAtOneK() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try FusionBenchHFLayoutTests.family(directory)
        let options = SmileUpscaleOptions(expertRank: .fixed(6), others: .base, probeSamples: 8, routingTarget: 0.99, layout: .hf)
        let hf = directory.appendingPathComponent("hf")
        let report = try SmileUpscaler(options: options).upscale(family, to: hf)
        let written = try Checkpoint(url: hf), ranks = try Self.moduleRanks(hf)
        // Each router keeps its searched rank; the field is there exactly when those differ.
        #expect((ranks != nil) == (Set(report.layers.map(\.gateK)).count > 1))
        for layer in report.layers {
            #expect(layer.k == 6 && written.info("\(layer.module).gate.weight")?.shape == [3 * layer.gateK, layer.inFeatures], "\(layer.module)")
            if let ranks { #expect(ranks[String(layer.module.dropFirst("model.".count))] == [6, layer.gateK]) }
        }
    }

    @Test func aBudgetTooSmallIsOneLineAndWritesNothing() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try FusionBenchHFLayoutTests.family(directory)
        let out = directory.appendingPathComponent("hf")
        var options = Self.budget(0.001, layout: .hf)
        options.gateRankTiedToK = false
        #expect {
            try SmileUpscaler(options: options).upscale(family, to: out)
        } throws: { error in
            "\(error)".contains("--budget 0.001 is below the routers' own cost") && !"\(error)".contains("\n")
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
