import Foundation
import Testing
@testable import Analysis

/// The real all-MiniLM-L6-v2 slice and its fine-tunes (skipped when absent from this machine).
@Suite(.enabled(if: Fixtures.miniLM != nil, "needs ../shared/models/minilm-l6"))
struct CheckpointMiniLMTests {
    private let root = Fixtures.miniLM ?? URL(fileURLWithPath: "/nonexistent")
    private let tasks = ["mansec", "codelang", "pyeco"]

    @Test func everyCheckpointReadsCompletelyAndFinitely() throws {
        for name in ["base"] + tasks.map({ "full-" + $0 }) {
            let checkpoint = try Checkpoint(url: root.appendingPathComponent(name))
            #expect(checkpoint.tensors.count == 32, "\(name)")
            #expect(checkpoint.files[0].metadata == ["format": "pt"])
            for info in checkpoint.tensors {
                let tensor = try checkpoint.tensor(info.name)
                #expect(tensor.numel == info.numel && tensor.values.allSatisfy { $0.isFinite }, "\(name) \(info.name)")
            }
        }
        for task in tasks {
            let adapter = try LoRAAdapter(directory: root.appendingPathComponent("lora-" + task))
            #expect(adapter.modules.count == 12 && adapter.unrecognizedTensors.isEmpty)
            #expect(adapter.modules.allSatisfy { $0.rank == 8 && $0.scale == 2 && !$0.isTransposed })
            for info in adapter.file.tensors {
                #expect(try adapter.file.tensor(info.name).values.allSatisfy { $0.isFinite })
            }
        }
    }

    @Test func headerOnlyOpeningIsFast() throws {
        let clock = ContinuousClock()
        let elapsed = try clock.measure { _ = try Checkpoint(url: root.appendingPathComponent("base/model.safetensors")) }
        #expect(elapsed < .seconds(1))
    }

    /// ΔW of `encoder.layer.0.attention.self.query.weight` in lora-mansec against
    /// `reference/lora_delta_reference.py` (numpy, float64).
    @Test func loraDeltaMatchesNumpyReference() throws {
        struct Reference: Decodable {
            let weight: String
            let shape: [Int]
            let scale: Float
            let frobenius_norm: Double
            let entries: [[Double]]
            let fine_tuned_entries: [[Double]]
        }
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Fixtures.url("lora_mansec_query_delta.json")))
        let family = try ModelFamily.open(
            base: root.appendingPathComponent("base").path,
            models: ["full-mansec", "lora-mansec"].map { root.appendingPathComponent($0).path })
        #expect(family.taskNames == ["full-mansec", "lora-mansec"] && family.modelKinds == [.full, .lora])
        #expect(family.matched.count == 32 && family.skipped.isEmpty && family.notes.isEmpty)
        let update = try family.updates(for: reference.weight)[1]
        guard case let .lowRank(_, _, scale) = update else { Issue.record("not low rank"); return }
        #expect(scale == reference.scale)
        let delta = update.dense
        #expect([delta.rows, delta.columns] == reference.shape)
        #expect(abs(Double(delta.frobeniusNorm) - reference.frobenius_norm) <= 1e-5 * reference.frobenius_norm)
        for entry in reference.entries {
            let value = Double(delta[Int(entry[0]), Int(entry[1])])
            #expect(abs(value - entry[2]) <= 1e-5 * abs(entry[2]), "ΔW[\(entry[0]), \(entry[1])]")
        }
        let fineTuned = try #require(try family.fineTunedTensor(model: 1, reference.weight).matrix)
        for entry in reference.fine_tuned_entries {
            let value = Double(fineTuned[Int(entry[0]), Int(entry[1])])
            #expect(abs(value - entry[2]) <= 1e-5 * abs(entry[2]), "W[\(entry[0]), \(entry[1])]")
        }
        #expect(try family.resolve(layer: "layer.0.attention.self.query") == reference.weight)
    }
}
