import Foundation
import Testing

/// PyTorch `.bin` checkpoints given to the binary: the fixtures written by real `torch.save`
/// (`reference/torch_fixtures.py`).
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct TorchCommandTests {
    private let fixtures = TestPaths.repositoryRoot.appendingPathComponent("Tests/AnalysisTests/Fixtures/torch")

    @Test func listShowsShardsOfAPyTorchIndex() throws {
        let run = try CommandRunner.run(["list", fixtures.appendingPathComponent("sharded").path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("pytorch_model.bin.index.json (2 shards)"))
        #expect(run.stdout.contains("b.weight  F32    [2, 2]  16 B  pytorch_model-00002-of-00002.bin"))
    }

    @Test func modelReportRunsOnABinFamily() throws {
        let family = fixtures.appendingPathComponent("family/bin")
        let run = try CommandRunner.run(["model", "--quiet", "--base", family.appendingPathComponent("base").path,
                                         "--models", family.appendingPathComponent("full").path, family.appendingPathComponent("lora").path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("layer.0.query.weight"))
    }

    @Test func pickledModuleAndLegacyFileAreOneLineInputErrors() throws {
        for (file, message) in [("module.bin", "refused global \"torch.nn.modules.linear.Linear\""), ("legacy.bin", "legacy torch.save format")] {
            let run = try CommandRunner.run(["list", fixtures.appendingPathComponent(file).path])
            #expect(run.status == 3)
            #expect(run.stderr.split(separator: "\n").count == 1)
            #expect(run.stderr.contains(message), "\(run.stderr)")
        }
    }
}
