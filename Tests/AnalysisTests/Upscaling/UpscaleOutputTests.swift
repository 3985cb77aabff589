import Foundation
import Testing
@testable import Analysis

/// The written directory read back with the project's own reader: names, shapes, config, and a forward
/// pass of the read-back layers against the fine-tuned models.
@Suite struct UpscaleOutputTests {
    @Test func demoFamilyReadsBackAndMatchesTheFineTunes() throws {
        let (family, directory) = try UpscaleSupport.demoFamily()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("smile")
        let report = try SmileUpscaler(options: SmileUpscaleOptions(expertRank: .fixed(8), gateRank: 2, topK: 1)).upscale(family, to: out)
        #expect(UpscaleSupport.entries(out) == ["README.md", "model.safetensors", "smile_config.json"])
        #expect(UpscaleSupport.entries(directory).allSatisfy { !$0.hasPrefix(".") }, "no staging directory left")

        let config = try SmileConfig.decode(Data(contentsOf: out.appendingPathComponent(SmileConfig.fileName)))
        #expect(config == report.config)
        #expect(config.format == SmileConfig.formatName && config.gateK == 2 && config.topK == 1 && config.kRequested == 8)
        #expect(config.experts.map(\.task) == DemoFamily.taskNames && config.experts.map(\.kind) == ["full", "lora", "full"])
        #expect(config.experts.map(\.path) == family.modelPaths.map(\.path))
        #expect(config.modules.count == 8 && config.plainLinear.isEmpty)
        #expect(config.otherTensors.policy == "average" && config.otherTensors.count == 3)

        let checkpoint = try Checkpoint(url: out)
        let linear = family.matched.filter(\.isLinearWeight)
        var expectedNames = Set(family.matched.map(\.name)).subtracting(linear.map(\.name)).subtracting(linear.map { SmileStateDict.biasName(forWeight: $0.name) })
        var rng = SplitMix64(seed: 12)
        for (tensor, entry) in zip(linear, config.modules) {
            let module = SmileStateDict.moduleName(forWeight: tensor.name)
            #expect(entry.module == module && entry.k == 8 && entry.gateK == 2 && entry.bias)
            let (m, n) = (tensor.shape[0], tensor.shape[1])
            var shapes = [SmileStateDict.gateName(module): [6, n], SmileStateDict.pretrainedWeight(module): [m, n], SmileStateDict.pretrainedBias(module): [m]]
            for i in 0..<3 {
                shapes[SmileStateDict.expertU(module, i)] = [m, 8]
                shapes[SmileStateDict.expertSVh(module, i)] = [8, n]
                shapes[SmileStateDict.expertBias(module, i)] = [m]
            }
            for (name, shape) in shapes { #expect(checkpoint.info(name)?.shape == shape, "\(name)") }
            expectedNames.formUnion(shapes.keys)
            #expect(entry.parameters.upscaled == m * n + m + 6 * n + 3 * (8 * (m + n) + m))
            #expect(entry.parameters.base == m * n + m && entry.parameters.keepAll == 3 * (m * n + m))

            // The read-back layer equals the one built in memory, and tracks each fine-tune within σ_{k+1}‖x‖.
            let layer = try SmileStateDict.layer(module: module, topK: 1, in: checkpoint)
            let built = try #require(try SmileUpscaler(options: SmileUpscaleOptions(expertRank: .fixed(8), gateRank: 2)).layer(family, weight: tensor.name))
            #expect(UpscaleSupport.maxAbsDifference(layer.gate.weights, built.gate.weights) < 1e-6)
            #expect(zip(layer.experts, built.experts).allSatisfy { UpscaleSupport.maxAbsDifference($0.weightDelta, $1.weightDelta) < 1e-5 && $0.bias == $1.bias })
            #expect(layer.pretrained == built.pretrained)
            let x = rng.gaussianMatrix(40, n)
            let y = layer.forward(x)
            let fineTuned = try (0..<3).map { i in
                PlainLinear(weight: try family.fineTunedTensor(model: i, tensor.name).matrix!, bias: try family.fineTunedTensor(model: i, module + ".bias").values)
            }
            for (r, selected) in layer.route(x).selected.enumerated() {
                let i = selected[0]
                let row = x.rows(r..<(r + 1))
                let error = UpscaleSupport.rowNorm(y.rows(r..<(r + 1)) - fineTuned[i].forward(row), 0)
                #expect(Double(error) <= entry.truncationError[i] * Double(UpscaleSupport.rowNorm(row, 0)) * 1.001 + 1e-4, "\(module) input \(r) expert \(i)")
            }
        }
        #expect(Set(checkpoint.tensors.map(\.name)) == expectedNames)
        // Other tensors: the LayerNorm is the mean over the three models (beta leaves it at the base).
        let norm = "encoder.layer.0.output.LayerNorm.weight"
        let mean = try (0..<3).map { try family.fineTunedTensor(model: $0, norm).values }.reduce([Float](repeating: 0, count: 48)) { zip($0, $1).map { $0 + $1 } }.map { $0 / 3 }
        #expect(zip(try checkpoint.tensor(norm).values, mean).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(config.parameters.upscaled == checkpoint.parameterCount && config.parameters.base == family.base.parameterCount)
        let readme = try String(contentsOf: out.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("SmileMoELinear") && readme.contains("alpha"))
    }

    @Test func shardedOutputHoldsTheSameTensors() throws {
        let (family, directory) = try UpscaleSupport.demoFamily()
        defer { try? FileManager.default.removeItem(at: directory) }
        let single = directory.appendingPathComponent("single"), sharded = directory.appendingPathComponent("sharded")
        _ = try SmileUpscaler(options: SmileUpscaleOptions(expertRank: .fixed(4))).upscale(family, to: single)
        let report = try SmileUpscaler(options: SmileUpscaleOptions(expertRank: .fixed(4), maxShardBytes: 40_000)).upscale(family, to: sharded)
        let shards = report.config.files.filter { $0.hasSuffix(".safetensors") }
        #expect(shards.count > 3 && report.config.files.last == "model.safetensors.index.json")
        #expect(shards.first == String(format: "model-00001-of-%05d.safetensors", shards.count))
        #expect(!FileManager.default.fileExists(atPath: sharded.appendingPathComponent("model.safetensors").path))
        let a = try Checkpoint(url: single), b = try Checkpoint(url: sharded)
        #expect(b.indexURL != nil && b.files.count == shards.count)
        #expect(a.tensors.map(\.name) == b.tensors.map(\.name))
        for info in a.tensors { #expect(try a.tensor(info.name) == (try b.tensor(info.name)), "\(info.name)") }
        for file in b.files { #expect(file.byteCount <= 40_000 || file.tensors.count == 1) }
    }

    @Test func otherTensorPolicies() throws {
        let (family, directory) = try UpscaleSupport.demoFamily()
        defer { try? FileManager.default.removeItem(at: directory) }
        let norm = "encoder.layer.1.output.LayerNorm.weight", conv = "stem.conv.weight"
        for (policy, source) in [(OtherTensorPolicy.base, nil), (.model("alpha"), 0), (.model("gamma"), 2)] as [(OtherTensorPolicy, Int?)] {
            let out = directory.appendingPathComponent("out-\(policy)".replacingOccurrences(of: ":", with: "-"))
            let report = try SmileUpscaler(options: SmileUpscaleOptions(expertRank: .fixed(2), others: policy, probeSamples: 0)).upscale(family, to: out)
            let checkpoint = try Checkpoint(url: out)
            for name in [norm, conv] {
                let expected = try source.map { try family.fineTunedTensor(model: $0, name) } ?? family.baseTensor(name)
                #expect(try checkpoint.tensor(name) == expected, "\(policy) \(name)")
            }
            #expect(report.config.otherTensors.model == source.map { DemoFamily.taskNames[$0] })
            #expect(report.layers.allSatisfy { $0.routingAccuracy == nil })
        }
        #expect(throws: UpscaleError.unknownModel(name: "delta", available: DemoFamily.taskNames)) {
            try SmileUpscaler(options: SmileUpscaleOptions(others: .model("delta"))).upscale(family, to: directory.appendingPathComponent("x"))
        }
    }
}
