import Foundation
import Testing

/// The verdict on the real all-MiniLM-L6-v2 family agrees with the measured merges in `merges.json`:
/// pairs of full fine-tunes kept 0.91–0.93 of their accuracy (mergeable), the triple 0.81 (risky).
@Suite(.enabled(if: CommandRunner.executable != nil && TestPaths.miniLM != nil, "needs the binary and ../shared/models/minilm-l6"))
struct MiniLMCommandTests {
    static func mergeable(_ models: [String]) throws -> CommandRunner.Result {
        let root = TestPaths.miniLM!
        return try CommandRunner.run(["mergeable", "--quiet", "--base", root.appendingPathComponent("base").path, "--models"] + models.map { root.appendingPathComponent($0).path })
    }

    @Test func fullPairIsMergeableAndTripleRisky() throws {
        #expect(try Self.mergeable(["full-mansec", "full-codelang"]).status == 0)
        let triple = try Self.mergeable(["full-mansec", "full-codelang", "full-pyeco"])
        #expect(triple.status == 1, "\(triple.stdout)")
    }

    @Test func listPrintsTheRealCheckpoint() throws {
        let run = try CommandRunner.run(["list", TestPaths.miniLM!.appendingPathComponent("lora-mansec").path])
        #expect(run.status == 0)
        #expect(run.stdout.contains("r 8, lora_alpha 16, scale 2"))
        #expect(run.stdout.contains("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight"))
    }
}
