import Foundation
import Testing
@testable import Analysis

/// ``ModelFamily``: matching, prefix mapping, skipped tensors, updates and layer resolution, over a
/// small family written by the tests: a base, two full fine-tunes (one saved under `bert.`, lacking a
/// bias, with an extra head) and a LoRA adapter.
struct CheckpointFamilyTests {
    private let base: [String: Tensor] = [
        "embeddings.word_embeddings.weight": TestModels.random([10, 4], seed: 1),
        "encoder.layer.0.query.weight": TestModels.random([4, 4], seed: 2),
        "encoder.layer.0.query.bias": TestModels.random([4], seed: 3),
        "encoder.layer.0.value.weight": TestModels.random([4, 4], seed: 4),
        "encoder.layer.1.query.weight": TestModels.random([4, 4], seed: 5),
        "conv.weight": TestModels.random([2, 3, 3, 3], seed: 6),
    ]

    private func perturbed(_ tensors: [String: Tensor], seed: UInt64) -> [String: Tensor] {
        tensors.mapValues { tensor in
            let noise = TestModels.random(tensor.shape, seed: seed &+ UInt64(tensor.numel), scale: 0.01)
            return Tensor(shape: tensor.shape, values: zip(tensor.values, noise.values).map { $0 + $1 })
        }
    }

    private struct Paths { let root, base, fullA, fullB, lora: URL }

    private func writeFamily(editFullA: (inout [String: Tensor]) -> Void = { _ in }) throws -> Paths {
        let root = try Fixtures.temporaryDirectory()
        let paths = Paths(
            root: root, base: root.appendingPathComponent("base"), fullA: root.appendingPathComponent("full-a"),
            fullB: root.appendingPathComponent("full-b"), lora: root.appendingPathComponent("lora-c"))
        try TestModels.checkpoint(base, in: paths.base)
        var fullA = perturbed(base, seed: 10)
        editFullA(&fullA)
        try TestModels.checkpoint(fullA, in: paths.fullA)
        var fullB = [String: Tensor]()
        for (name, tensor) in perturbed(base, seed: 20) where name != "encoder.layer.0.query.bias" { fullB["bert." + name] = tensor }
        fullB["classifier.weight"] = TestModels.random([3, 4], seed: 7)
        try TestModels.checkpoint(fullB, in: paths.fullB)
        var lora = [String: Tensor]()
        for (index, module) in ["encoder.layer.0.query", "encoder.layer.1.query"].enumerated() {
            lora["base_model.model.\(module).lora_A.weight"] = TestModels.random([2, 4], seed: UInt64(30 + index))
            lora["base_model.model.\(module).lora_B.weight"] = TestModels.random([4, 2], seed: UInt64(40 + index))
        }
        try TestModels.adapter(config: TestModels.loraConfig(r: 2, alpha: 4), tensors: lora, in: paths.lora)
        return paths
    }

    private func open(_ paths: Paths) throws -> ModelFamily {
        try ModelFamily.open(base: paths.base.path, models: [paths.fullA.path, paths.fullB.path, paths.lora.path])
    }

    @Test func matchesAcrossPrefixesAndRecordsWhatWasLeftOut() throws {
        let family = try open(try writeFamily())
        #expect(family.taskNames == ["full-a", "full-b", "lora-c"])
        #expect(family.modelKinds == [.full, .full, .lora])
        #expect(family.matched.map(\.name) == base.keys.sorted().filter { $0 != "encoder.layer.0.query.bias" })
        #expect(family.skipped.map(\.model) == ["full-b"])
        #expect(family.skipped.map(\.tensor) == ["encoder.layer.0.query.bias"])
        #expect(family.notes.contains { $0.hasPrefix("full-b:") && $0.contains("\"bert.*\" in the model is \"*\" in the base") })
        #expect(family.notes.contains { $0.hasPrefix("full-b:") && $0.contains("classifier.weight") })
        let kinds = Dictionary(uniqueKeysWithValues: family.matched.map { ($0.name, ($0.isLinearWeight, $0.isConvolution)) })
        #expect(kinds["encoder.layer.0.query.weight"]! == (true, false))
        #expect(kinds["embeddings.word_embeddings.weight"]! == (false, false))
        #expect(kinds["conv.weight"]! == (false, true))
    }

    @Test func updatesPerModel() throws {
        let paths = try writeFamily()
        let family = try open(paths)
        let name = "encoder.layer.0.query.weight"
        let updates = try family.updates(for: name)
        #expect(updates.count == 3)
        let w0 = try #require(base[name]?.matrix)
        let fullB = try SafetensorsFile(url: paths.fullB.appendingPathComponent("model.safetensors")).tensor("bert." + name).matrix!
        guard case let .dense(deltaB) = updates[1] else { Issue.record("full update not dense"); return }
        #expect(deltaB == fullB - w0)
        guard case let .lowRank(_, _, scale) = updates[2] else { Issue.record("LoRA update not low rank"); return }
        #expect(scale == 2)
        let fineTuned = try family.fineTunedTensor(model: 2, name)
        #expect(zip(fineTuned.values, (w0 + updates[2].dense).elements).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(try family.fineTunedTensor(model: 1, name).matrix == fullB)
        #expect(try family.baseTensor(name) == base[name])
    }

    @Test func unadaptedWeightsHaveRankZeroUpdates() throws {
        let family = try open(try writeFamily())
        let update = try family.updates(for: "encoder.layer.0.value.weight")[2]
        guard case let .lowRank(b, a, _) = update else { Issue.record("not low rank"); return }
        #expect(b.columns == 0 && a.rows == 0 && update.shape == (4, 4))
        #expect(update.dense == MatrixF(zeros: 4, 4))
        #expect(try family.fineTunedTensor(model: 2, "encoder.layer.0.value.weight") == base["encoder.layer.0.value.weight"])
    }

    @Test func nonMatrixTensorsNeedDenseUpdates() throws {
        let family = try open(try writeFamily())
        #expect(checkpointError { _ = try family.updates(for: "conv.weight") } == .notAMatrix(tensor: "conv.weight", shape: [2, 3, 3, 3]))
        let dense = try family.denseUpdates(for: "conv.weight")
        #expect(dense.map(\.shape) == Array(repeating: [2, 3, 3, 3], count: 3))
        #expect(dense[2] == Tensor(zeros: [2, 3, 3, 3]))
        #expect(dense[0].values.contains { $0 != 0 })
        guard case .tensorNotFound? = checkpointError({ _ = try family.updates(for: "encoder.layer.0.query.bias") }) else {
            Issue.record("skipped tensor served")
            return
        }
    }

    @Test func shapeMismatchNamesBothFiles() throws {
        let paths = try writeFamily { $0["encoder.layer.1.query.weight"] = TestModels.random([4, 5], seed: 9) }
        let error = checkpointError { _ = try open(paths) }
        let baseFile = paths.base.appendingPathComponent("model.safetensors").path
        let modelFile = paths.fullA.appendingPathComponent("model.safetensors").path
        let tensor = "encoder.layer.1.query.weight"
        #expect(error == .shapeMismatch(baseFile: baseFile, modelFile: modelFile, tensor: tensor, baseShape: [4, 4], modelShape: [4, 5]))
        #expect(error?.description.contains(baseFile) == true && error?.description.contains(modelFile) == true)
    }

    @Test func loraShapeMismatchIsAnError() throws {
        let paths = try writeFamily()
        try TestModels.adapter(
            config: TestModels.loraConfig(r: 2, alpha: 4),
            tensors: ["base_model.model.encoder.layer.0.query.lora_A.weight": TestModels.random([2, 5], seed: 1),
                      "base_model.model.encoder.layer.0.query.lora_B.weight": TestModels.random([4, 2], seed: 2)],
            in: paths.lora)
        guard case .shapeMismatch(_, _, "encoder.layer.0.query.weight", [4, 4], [4, 5])? = checkpointError({ _ = try open(paths) }) else {
            Issue.record("mismatched adapter accepted")
            return
        }
    }

    @Test func prefixesAreSwappedAndAmbiguityIsAnError() throws {
        let root = try Fixtures.temporaryDirectory()
        let one = Tensor(shape: [1], values: [1])
        try TestModels.checkpoint(["bert.encoder.a.weight": one, "bert.encoder.b.weight": one], in: root.appendingPathComponent("base"))
        try TestModels.checkpoint(["model.encoder.a.weight": one, "model.encoder.b.weight": one], in: root.appendingPathComponent("swapped"))
        let family = try ModelFamily.open(base: root.appendingPathComponent("base").path, models: [root.appendingPathComponent("swapped").path])
        #expect(family.matched.count == 2 && family.notes.count == 1 && family.notes[0].contains("\"model.*\" in the model is \"bert.*\" in the base"))

        try TestModels.checkpoint(["x.layer.a.weight": one, "y.layer.a.weight": one], in: root.appendingPathComponent("twin"))
        try TestModels.checkpoint(["layer.a.weight": one], in: root.appendingPathComponent("bare"))
        let error = checkpointError {
            _ = try ModelFamily.open(base: root.appendingPathComponent("twin").path, models: [root.appendingPathComponent("bare").path])
        }
        guard case let .ambiguousPrefixMapping(_, candidates)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(candidates.count == 2)

        try TestModels.checkpoint(["unrelated.weight": one], in: root.appendingPathComponent("other"))
        guard case .noCommonTensors? = checkpointError({
            _ = try ModelFamily.open(base: root.appendingPathComponent("base").path, models: [root.appendingPathComponent("other").path])
        }) else { Issue.record("unrelated model accepted"); return }
    }

    @Test func taskNamesAreValidated() throws {
        let paths = try writeFamily()
        let named = try ModelFamily.open(base: paths.base.path, models: [paths.fullA.appendingPathComponent("model.safetensors").path], names: ["mansec"])
        #expect(named.taskNames == ["mansec"])
        let fromFile = try ModelFamily.open(base: paths.base.path, models: [paths.fullA.appendingPathComponent("model.safetensors").path])
        #expect(fromFile.taskNames == ["full-a"])
        guard case .invalidFamily? = checkpointError({ _ = try ModelFamily.open(base: paths.base.path, models: [paths.fullA.path], names: ["a", "b"]) }),
              case .invalidFamily? = checkpointError({ _ = try ModelFamily.open(base: paths.base.path, models: [paths.fullA.path, paths.fullA.path]) }),
              case .invalidFamily? = checkpointError({ _ = try ModelFamily.open(base: paths.base.path, models: []) })
        else { Issue.record("invalid family accepted"); return }
    }

    @Test func resolvesLayerQueries() throws {
        let family = try open(try writeFamily())
        #expect(try family.resolve(layer: "encoder.layer.0.query.weight") == "encoder.layer.0.query.weight")
        #expect(try family.resolve(layer: "encoder.layer.0.query") == "encoder.layer.0.query.weight")
        #expect(try family.resolve(layer: "layer.1.query") == "encoder.layer.1.query.weight")
        #expect(try family.resolve(layer: "conv") == "conv.weight")
        let ambiguous = checkpointError { _ = try family.resolve(layer: "query") }
        #expect(ambiguous == .ambiguousLayer(query: "query", matches: ["encoder.layer.0.query.weight", "encoder.layer.1.query.weight"]))
        guard case let .layerNotFound(_, candidates)? = checkpointError({ _ = try family.resolve(layer: "layer.0.quer") }) else {
            Issue.record("typo resolved")
            return
        }
        #expect(candidates.first == "encoder.layer.0.query.weight" && candidates.count == 5)
        #expect(ModelFamily.editDistance("kitten", "sitting") == 3 && ModelFamily.editDistance("", "abc") == 3)
    }
}
