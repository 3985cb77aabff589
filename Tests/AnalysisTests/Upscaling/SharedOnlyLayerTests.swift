import Foundation
import Testing
@testable import Analysis

/// `upscale --max-flatness F`: ``SpectralFlatness`` against the numpy float64 fixture
/// (`reference/smile_shared_path_reference.py`), and a layer above the limit written as the plain linear of
/// its shared path — the same weight and bias the upscaled layer's `pretrained_model` holds — with the
/// config, the budget and the parameter counts leaving it out.
@Suite struct SharedOnlyLayerTests {
    typealias Fixture = SharedPathReferenceTests.Fixture

    static let cases = SharedPathReferenceTests.cases

    /// φ of ΣΔWⱼ matches numpy's (dense and factored LoRA sums), to float32 SVD accuracy.
    @Test(arguments: cases) func flatnessMatchesNumpy(_ name: String) throws {
        let fixture = try #require(try Fixture.load().cases.first { $0.name == name })
        let expected = try #require(fixture.expected.flatness)
        let phi = try #require(try SpectralFlatness.of(fixture.updates, context: name))
        #expect(abs(phi - expected) < 1e-5 * Swift.max(1, expected), "\(name): \(phi) vs \(expected)")
    }

    /// φ = 1 for a flat spectrum, 1/d for one direction among d, in [1/d, 1] otherwise; nil with no direction.
    @Test func flatnessOfSpectra() throws {
        #expect(SpectralFlatness.of(singularValues: [2, 2, 2]) == 1)
        #expect(try #require(SpectralFlatness.of(singularValues: [3, 1])) == 0.8)      // 16 / (2 · 10)
        #expect(abs(try #require(SpectralFlatness.of(singularValues: [1, 1e-9, 1e-9, 1e-9])) - 0.25) < 1e-8)
        #expect(SpectralFlatness.of(singularValues: []) == nil && SpectralFlatness.of(singularValues: [0, 0]) == nil)
        let zero = [WeightUpdate.dense(MatrixF(zeros: 3, 4)), .dense(MatrixF(zeros: 3, 4))]
        #expect(try SpectralFlatness.of(zero, context: "zero") == nil)
    }

    /// The plain linear of a shared-only layer is the upscaled layer's shared path (up to rounding), and the
    /// numpy float64 shared weight and bias (merged with λ*, fixed λ, Iso-C, TSV-M) within float32 rounding.
    @Test(arguments: cases) func sharedOnlyLayerIsTheSharedPath(_ name: String) throws {
        let fixture = try #require(try Fixture.load().cases.first { $0.name == name })
        var options = SmileUpscaleOptions(
            expertRank: .fixed(fixture.k), gateRank: fixture.gate_k, topK: fixture.top_k, probeSamples: 0,
            sharedPath: fixture.sharedPath,
            expertScale: fixture.expert_scale)
        let inputs = SmileUpscaler.LayerInputs(base: fixture.pretrained, updates: fixture.updates, fineTunedBiases: fixture.fineTunedBiases)
        let built = try #require(try SmileUpscaler(options: options).build(inputs, module: name, plan: UpscalePlan(), index: 0))
        options.maxFlatness = 1e-6
        let upscaler = SmileUpscaler(options: options)
        let phi = try #require(try upscaler.flatness(inputs, module: name))
        #expect(upscaler.leavesShared(flatness: phi))
        let shared = try upscaler.sharedPathAlone(inputs, context: name)
        // The same computation twice; up to rounding, as a concurrent test may change the BLAS thread count.
        #expect(UpscaleSupport.sameUpToRounding(shared.weight.elements, built.layer.pretrained.weight.elements))
        #expect(UpscaleSupport.sameUpToRounding(shared.bias ?? [], built.layer.pretrained.bias ?? []))
        #expect(UpscaleSupport.maxAbsDifference(shared.weight, fixture.expected.shared_weight.matrix) < 1e-5)
        if let bias = fixture.expected.shared_bias {
            #expect(zip(try #require(shared.bias), bias.floats).allSatisfy { abs($0 - $1) < 1e-5 })
        } else {
            #expect(shared.bias == nil)
        }
        options.maxFlatness = 1
        #expect(!SmileUpscaler(options: options).leavesShared(flatness: phi))
    }

    /// On the demo family with `--budget 0.5` and a limit between the layers' flatness: the flat layers
    /// are written as `X.weight`/`X.bias` equal to the full run's `X.pretrained_model.weight/.bias` (up to
    /// float rounding, ``UpscaleSupport/sameUpToRounding(_:_:)``), with no gate or expert tensor;
    /// smile_config.json lists them with their φ and reason and leaves them out of `modules`; the budget
    /// counts only the upscaled layers' base parameters; the whole model costs base + their overhead.
    @Test func upscaleLeavesFlatLayersAsSharedPath() throws {
        let (family, directory) = try UpscaleSupport.demoFamily()
        defer { try? FileManager.default.removeItem(at: directory) }
        let options = SmileUpscaleOptions(probeSamples: 0, budget: 0.5, sharedPath: .isoC(coefficient: nil), gateRankTiedToK: true)
        let resolved = options.resolved(kinds: family.modelKinds)
        var phis = [String: Double]()
        for weight in try SmileUpscaler(options: resolved).selectedWeights(family).keys {
            let inputs = try SmileUpscaler(options: resolved).inputs(family, weight: weight, bias: nil)
            phis[SmileStateDict.moduleName(forWeight: weight)] = try SpectralFlatness.of(inputs.updates, context: weight)
        }
        let sorted = phis.values.sorted()
        try #require(sorted.count >= 4 && sorted.first! < sorted.last!)
        let limit = (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        let full = directory.appendingPathComponent("all"), selected = directory.appendingPathComponent("flat")
        let all = try SmileUpscaler(options: options).upscale(family, to: full)
        var limited = options
        limited.maxFlatness = limit
        let report = try SmileUpscaler(options: limited).upscale(family, to: selected)
        let config = report.config
        let shared = try #require(config.sharedOnly)
        #expect(config.maxFlatness == limit)
        #expect(Set(shared.map(\.module)) == Set(phis.filter { $0.value > limit }.keys))
        #expect(Set(config.modules.map(\.module)) == Set(phis.filter { $0.value <= limit }.keys))
        for layer in shared {
            #expect(abs(layer.flatness - phis[layer.module]!) < 1e-6 && layer.reason.contains("--max-flatness"))
        }
        for layer in config.modules { #expect(abs((layer.flatness ?? -1) - phis[layer.module]!) < 1e-6) }
        let written = try Checkpoint(url: selected), reference = try Checkpoint(url: full)
        let names = Set(written.tensors.map(\.name))
        for layer in shared {
            let X = layer.module
            #expect(UpscaleSupport.sameUpToRounding(try written.tensor(X + ".weight").values, try reference.tensor(X + ".pretrained_model.weight").values), "\(X)")
            #expect(UpscaleSupport.sameUpToRounding(try written.tensor(X + ".bias").values, try reference.tensor(X + ".pretrained_model.bias").values), "\(X)")
            #expect(!names.contains { $0.hasPrefix(X + ".gate.") || $0.hasPrefix(X + ".experts.") || $0.hasPrefix(X + ".pretrained_model.") })
        }
        let plan = try #require(config.budget)
        #expect(Set(plan.layers.map(\.module)) == Set(config.modules.map(\.module)))
        #expect(plan.baseParameters == config.modules.reduce(0) { $0 + $1.parameters.base })
        #expect(plan.overheadParameters <= Int(0.5 * Double(plan.baseParameters)))
        let overhead = config.modules.reduce(0) { $0 + $1.parameters.upscaled - $1.parameters.base }
        #expect(config.parameters.upscaled == config.parameters.base + overhead)
        #expect(all.config.sharedOnly == nil && all.config.maxFlatness == nil && all.config.modules.allSatisfy { $0.flatness == nil })
        let readme = try String(contentsOf: selected.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("\(shared.count) linear layers hold their shared path alone"))
    }

    /// In the FusionBench layout (every projection must be a SmileLinear to load) a shared-only projection is
    /// an inert SmileLinear: `shared_linear` holds the shared path (the full run's, up to rounding), router and
    /// experts are zero, so it computes the plain linear; it is listed in `sharedOnly` and in `modules`.
    @Test func wholeModelLayoutsWriteInertSharedLayers() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try FusionBenchHFLayoutTests.family(directory)
        let options = SmileUpscaleOptions(expertRank: .fixed(4), gateRank: 2, others: .base, probeSamples: 0, layout: .fusionBenchHF,
                                          sharedPath: .isoC(coefficient: nil), expertScale: 0.5)
        let all = try SmileUpscaler(options: options).upscale(family, to: directory.appendingPathComponent("all"))
        let upscaler = SmileUpscaler(options: options.resolved(kinds: family.modelKinds))
        var phis = [Double]()
        for module in all.config.modules.map(\.module) {
            let updates = try upscaler.inputs(family, weight: module + ".weight", bias: nil as String?).updates
            phis.append(try #require(try SpectralFlatness.of(updates, context: module)))
        }
        phis.sort()
        try #require(phis.first! < phis.last!)
        var limited = options
        limited.maxFlatness = (phis[phis.count / 2 - 1] + phis[phis.count / 2]) / 2
        let out = directory.appendingPathComponent("flat")
        let report = try SmileUpscaler(options: limited).upscale(family, to: out)
        let shared = try #require(report.config.sharedOnly)
        #expect(!shared.isEmpty && shared.count < phis.count)
        let written = try Checkpoint(url: out), reference = try Checkpoint(url: directory.appendingPathComponent("all"))
        for layer in shared {
            let X = layer.module
            #expect(UpscaleSupport.sameUpToRounding(try written.tensor(X + ".shared_linear.weight").values, try reference.tensor(X + ".shared_linear.weight").values), "\(X)")
            #expect(try written.tensor(X + ".gate.weight").values.allSatisfy { $0 == 0 })
            #expect(try written.tensor(X + ".experts.0.u").values.allSatisfy { $0 == 0 })
            #expect(report.config.modules.contains { $0.module == X })
        }
        #expect(Set(written.tensors.map(\.name)) == Set(reference.tensors.map(\.name)))
        #expect(all.config.sharedOnly == nil)
    }

    /// A limit below every layer's flatness leaves a static merge: every layer plain, a warning says so.
    @Test func limitBelowEveryLayerWarns() throws {
        let (family, directory) = try UpscaleSupport.demoFamily()
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = SmileUpscaleOptions(expertRank: .fixed(2), probeSamples: 0, sharedPath: .isoC(coefficient: nil))
        options.maxFlatness = 1e-9
        let report = try SmileUpscaler(options: options).upscale(family, to: directory.appendingPathComponent("out"))
        #expect(report.config.modules.isEmpty && (report.config.sharedOnly?.count ?? 0) > 0)
        #expect(report.config.warnings?.contains { $0.contains("every layer holds its shared path alone") } == true)
    }

    /// Out-of-range limits are refused before anything is read.
    @Test func badLimitsAreRefused() {
        for bad in [0, -0.1, 1.5, .nan, .infinity] {
            var options = SmileUpscaleOptions()
            options.maxFlatness = bad
            #expect(throws: UpscaleError.self) { try options.validate(expertCount: 2) }
        }
    }
}
