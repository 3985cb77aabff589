import Foundation
import Testing
@testable import Analysis

/// GPT-2's `Conv1D` stores its weights in × out. A GPT-2-shaped family (config.json model_type gpt2)
/// must give the numbers of the same family stored as `nn.Linear` (out × in), every field of every
/// layer record within rounding, full fine-tunes and LoRA adapters (`fan_in_fan_out`) alike.
struct Conv1DLayoutTests {
    /// Linear-layout (out × in) shapes of one GPT-2 block with hidden size 8.
    static let linearShapes: [(String, [Int])] = [
        ("transformer.h.0.attn.c_attn.weight", [24, 8]), ("transformer.h.0.attn.c_proj.weight", [8, 8]),
        ("transformer.h.0.mlp.c_fc.weight", [32, 8]), ("transformer.h.0.mlp.c_proj.weight", [8, 32]),
    ]

    static func transposed(_ tensor: Tensor) -> Tensor {
        let m = tensor.shape[0], n = tensor.shape[1]
        return Tensor(shape: [n, m], values: (0..<(n * m)).map { tensor.values[($0 % m) * n + $0 / m] })
    }

    /// The family twice: `linear/` (out × in, no config) and `conv1d/` (in × out, model_type gpt2).
    static func writeFamilies(conv1DAdapterFanInFanOut: Bool = true, loraTargets: [String] = ["transformer.h.0.attn.c_attn", "transformer.h.0.mlp.c_fc"]) throws -> URL {
        let root = try Fixtures.temporaryDirectory()
        var base = [String: Tensor]()
        for (index, (name, shape)) in linearShapes.enumerated() {
            base[name] = TestModels.random(shape, seed: UInt64(10 + index))
            base[name.replacingOccurrences(of: ".weight", with: ".bias")] = TestModels.random([shape[0]], seed: UInt64(20 + index))
        }
        base["transformer.ln_f.weight"] = TestModels.random([8], seed: 30)
        func fineTune(_ seed: UInt64) -> [String: Tensor] {
            base.mapValues { tensor in
                let noise = TestModels.random(tensor.shape, seed: seed &+ UInt64(tensor.numel), scale: 0.05)
                return Tensor(shape: tensor.shape, values: zip(tensor.values, noise.values).map { $0 + $1 })
            }
        }
        var lora = [String: Tensor]()
        for (index, module) in loraTargets.enumerated() {
            let shape = linearShapes.first { $0.0 == module + ".weight" }!.1
            lora["base_model.model.\(module).lora_A.weight"] = TestModels.random([2, shape[1]], seed: UInt64(40 + index), scale: 0.2)
            lora["base_model.model.\(module).lora_B.weight"] = TestModels.random([shape[0], 2], seed: UInt64(50 + index), scale: 0.2)
        }
        let models = [("full-a", fineTune(100)), ("full-b", fineTune(200))]
        let targets = "\"target_modules\": [\"c_attn\", \"c_fc\", \"c_proj\"]"
        for (layout, flip) in [("linear", false), ("conv1d", true)] {
            let directory = root.appendingPathComponent(layout)
            let store = { (tensors: [String: Tensor]) in
                tensors.mapValues { flip && $0.shape.count == 2 ? transposed($0) : $0 }
            }
            try TestModels.checkpoint(store(base), in: directory.appendingPathComponent("base"))
            if flip { try Data(#"{"model_type": "gpt2", "n_embd": 8}"#.utf8).write(to: directory.appendingPathComponent("base/config.json")) }
            for (name, tensors) in models { try TestModels.checkpoint(store(tensors), in: directory.appendingPathComponent(name)) }
            let fanInFanOut = flip && conv1DAdapterFanInFanOut
            let config = #"{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "fan_in_fan_out": \#(fanInFanOut), \#(targets)}"#
            try TestModels.adapter(config: config, tensors: lora, in: directory.appendingPathComponent("lora-c"))
        }
        return root
    }

    static func open(_ root: URL, _ layout: String, transposed: String? = nil) throws -> ModelFamily {
        let directory = root.appendingPathComponent(layout)
        return try ModelFamily.open(base: directory.appendingPathComponent("base").path,
                                    models: ["full-a", "full-b", "lora-c"].map { directory.appendingPathComponent($0).path }, transposed: transposed)
    }

    /// Differences between two JSON trees beyond `tolerance` (relative to the larger magnitude, with an
    /// absolute floor), skipping `ignored` keys; integers, strings and booleans must be equal.
    static func differences(_ a: Any, _ b: Any, path: String = "", ignored: Set<String>) -> [String] {
        switch (a, b) {
        case let (x as [String: Any], y as [String: Any]):
            let keys = Set(x.keys).union(y.keys).subtracting(ignored)
            return keys.sorted().flatMap { key -> [String] in
                guard let u = x[key], let v = y[key] else { return ["\(path).\(key): present on one side only"] }
                return differences(u, v, path: path + "." + key, ignored: ignored)
            }
        case let (x as [Any], y as [Any]):
            guard x.count == y.count else { return ["\(path): \(x.count) vs \(y.count) elements"] }
            return zip(x, y).enumerated().flatMap { differences($1.0, $1.1, path: "\(path)[\($0)]", ignored: ignored) }
        case let (x as NSNumber, y as NSNumber):
            let u = x.doubleValue, v = y.doubleValue
            return abs(u - v) <= 2e-4 * Swift.max(abs(u), abs(v)) + 2e-5 ? [] : ["\(path): \(u) vs \(v)"]
        default:
            return "\(a)" == "\(b)" ? [] : ["\(path): \(a) vs \(b)"]
        }
    }

    static func tree(_ value: some Encodable) throws -> Any {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(value))
    }

    @Test func conv1DFamilyGivesTheNumbersOfTheSameFamilyStoredAsLinear() throws {
        let root = try Self.writeFamilies()
        defer { try? FileManager.default.removeItem(at: root) }
        let linear = try FamilyAnalyzer().analyze(try Self.open(root, "linear"))
        let conv1DFamily = try Self.open(root, "conv1d")
        #expect(conv1DFamily.storedTransposed == Set(Self.linearShapes.map(\.0)))
        #expect(conv1DFamily.notes.contains { $0.contains("4 weight(s) are stored in × out (4 by transformers Conv1D of model_type gpt2)") })
        let conv1D = try FamilyAnalyzer().analyze(conv1DFamily)
        #expect(linear.layers.count == 4 && conv1D.layers.count == 4)
        #expect(conv1D.layers.allSatisfy { $0.transposed == true } && linear.layers.allSatisfy { $0.transposed == nil })
        for (a, b) in zip(linear.layers, conv1D.layers) {
            #expect(a.name == b.name && a.rows == b.rows && a.columns == b.columns)
            let diff = Self.differences(try Self.tree(a), try Self.tree(b), ignored: ["transposed"])
            #expect(diff.isEmpty, "\(a.name): \(diff.prefix(10).joined(separator: "; "))")
        }
        let summary = Self.differences(try Self.tree(linear.summary), try Self.tree(conv1D.summary), ignored: [])
        #expect(summary.isEmpty, "\(summary.prefix(10).joined(separator: "; "))")
        #expect(Self.differences(try Self.tree(linear.vectors), try Self.tree(conv1D.vectors), ignored: []).isEmpty)
    }

    @Test func withoutTheModelTypeThePatternSaysTheSame() throws {
        let root = try Self.writeFamilies()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.removeItem(at: root.appendingPathComponent("conv1d/base/config.json"))
        let linear = try FamilyAnalyzer().analyze(try Self.open(root, "linear"))
        let named = try Self.open(root, "conv1d", transposed: #"\.(c_attn|c_proj|c_fc)\.weight$"#)
        #expect(named.storedTransposed.count == 4)
        let report = try FamilyAnalyzer().analyze(named)
        for (a, b) in zip(linear.layers, report.layers) {
            #expect(Self.differences(try Self.tree(a), try Self.tree(b), ignored: ["transposed"]).isEmpty, "\(a.name)")
        }
    }

    @Test func fanInFanOutAloneMarksTheAdaptedWeightsAndUnadaptedOnesStayAsStored() throws {
        let root = try Self.writeFamilies()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.removeItem(at: root.appendingPathComponent("conv1d/base/config.json"))
        let family = try Self.open(root, "conv1d")
        #expect(family.storedTransposed == ["transformer.h.0.attn.c_attn.weight", "transformer.h.0.mlp.c_fc.weight"])
        #expect(family.notes.contains { $0.contains("2 by LoRA fan_in_fan_out") })
        #expect(try family.baseMatrix("transformer.h.0.attn.c_attn.weight")?.rows == 24)
        #expect(try family.baseMatrix("transformer.h.0.mlp.c_proj.weight")?.rows == 32, "not adapted, no model type: analysed as stored")
        let linear = try FamilyAnalyzer().analyze(try Self.open(root, "linear"))
        let asStored = try FamilyAnalyzer().analyze(family)
        let proj = try #require(asStored.layers.first { $0.name == "transformer.h.0.mlp.c_proj.weight" })
        let reference = try #require(linear.layers.first { $0.name == proj.name })
        #expect(proj.rows == 32 && reference.rows == 8)
        #expect(!Self.differences(try Self.tree(reference), try Self.tree(proj), ignored: ["transposed"]).isEmpty, "the comparison must see a swapped layout")
    }

    @Test func anAdapterWithoutFanInFanOutOnAConv1DWeightIsRefused() throws {
        let root = try Self.writeFamilies(conv1DAdapterFanInFanOut: false, loraTargets: ["transformer.h.0.attn.c_proj"])
        defer { try? FileManager.default.removeItem(at: root) }
        let error = checkpointError { _ = try Self.open(root, "conv1d") }
        guard case let .layoutConflict(tensor, reason) = error else {
            Issue.record("expected a layout conflict, got \(String(describing: error))")
            return
        }
        #expect(tensor == "transformer.h.0.attn.c_proj.weight")
        #expect(reason.contains("fan_in_fan_out = false") && reason.contains("model_type gpt2"))
    }

    @Test func anInvalidPatternOrConfigIsOneClearError() throws {
        let root = try Self.writeFamilies()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(checkpointError { _ = try Self.open(root, "linear", transposed: "(") }?.description.contains("invalid --transposed pattern") == true)
        try Data("{not json".utf8).write(to: root.appendingPathComponent("conv1d/base/config.json"))
        let description = checkpointError { _ = try Self.open(root, "conv1d") }?.description ?? ""
        #expect(description.contains("config.json: invalid model config"))
    }

    @Test func upscalingAConv1DWeightIsRefusedWithTheReasonAndTheWayOut() throws {
        let root = try Self.writeFamilies()
        defer { try? FileManager.default.removeItem(at: root) }
        let family = try Self.open(root, "conv1d")
        let output = root.appendingPathComponent("moe")
        #expect(throws: UpscaleError.storedTransposed(weight: "transformer.h.0.attn.c_attn.weight", count: 4)) {
            _ = try SmileUpscaler(options: SmileUpscaleOptions()).upscale(family, to: output)
        }
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }
}

/// A real tiny GPT-2 saved by transformers, a real PEFT LoRA adapter on its Conv1D layers (PEFT wrote
/// fan_in_fan_out itself) and the adapter merged by PEFT (`reference/gpt2_peft_fixture.py`): the adapter's
/// updates equal the merged model's, analysed out × in.
struct GPT2PEFTFixtureTests {
    static let directory = Fixtures.url("gpt2")
    static let conv1D = ["transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_proj.weight", "transformer.h.0.mlp.c_fc.weight", "transformer.h.0.mlp.c_proj.weight"]

    static func family(_ model: String) throws -> ModelFamily {
        try ModelFamily.open(base: directory.appendingPathComponent("base").path, models: [directory.appendingPathComponent(model).path], names: ["task"])
    }

    @Test func theAdapterAndItsMergedModelGiveTheSameUpdatesAndAnalyses() throws {
        let adapter = try Self.family("lora"), merged = try Self.family("merged")
        #expect(adapter.storedTransposed == Set(Self.conv1D) && merged.storedTransposed == Set(Self.conv1D))
        for (name, rows) in [("transformer.h.0.attn.c_attn.weight", 24), ("transformer.h.0.mlp.c_fc.weight", 32)] {
            let a = try #require(adapter.updates(for: name).first).dense, b = try #require(merged.updates(for: name).first).dense
            #expect(a.rows == rows && a.columns == 8 && b.rows == rows && b.columns == 8)
            let scale = b.elements.map(abs).max() ?? 0
            #expect(scale > 0.01, "the fixture's update is not zero")
            #expect(zip(a.elements, b.elements).allSatisfy { abs($0 - $1) <= 1e-6 + 1e-5 * scale }, "\(name): LoRA ΔW ≠ merged ΔW")
        }
        let fromAdapter = try FamilyAnalyzer().analyze(adapter), fromMerged = try FamilyAnalyzer().analyze(merged)
        #expect(fromAdapter.layers.map(\.name) == Self.conv1D.sorted(), "wte / wpe are embeddings, not linear layers")
        for (a, b) in zip(fromAdapter.layers, fromMerged.layers) {
            // A rank-2 LoRA update has 2 singular values; the dense one has 8, the last 6 at rounding level.
            // Only the merged model's ΔW is a stored weight with a storage-rounding floor.
            #expect(a.tasks[0].storageRounding == nil && b.tasks[0].storageRounding?.dtype == .f32)
            let diff = Conv1DLayoutTests.differences(try Conv1DLayoutTests.tree(a), try Conv1DLayoutTests.tree(b), ignored: ["singularValues", "energyCurve", "storageRounding"])
            #expect(diff.isEmpty, "\(a.name): \(diff.prefix(8).joined(separator: "; "))")
            let (s, t) = (a.tasks[0].spectrum.singularValues, b.tasks[0].spectrum.singularValues)
            #expect(zip(s, t).allSatisfy { abs($0 - $1) <= 1e-5 * Swift.max(1, abs($1)) } && t.dropFirst(s.count).allSatisfy { $0 < 1e-5 })
        }
    }
}
