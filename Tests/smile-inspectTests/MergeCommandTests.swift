import Analysis
import Foundation
import Testing

/// `smile-inspect merge` through the real binary: what it writes and its exit statuses (README table:
/// 3 input, 5 output, 64 usage), each refusal one line on standard error with nothing written.
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct MergeCommandTests {
    @Test func mergesTheDemoFamilyAndReportsTheRecommendation() throws {
        let demo = try DemoFamilyRun.shared.get()
        let out = try TestPaths.temporaryDirectory().appendingPathComponent("merged")
        let family = ["--base", demo.base, "--models"] + ["alpha", "beta", "gamma"].map(demo.model)
        let run = try CommandRunner.run(["merge"] + family + ["--out", out.path, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("method auto: Iso-C at 3.0"))
        let merged = try Checkpoint(url: out)
        let base = try Checkpoint(url: URL(fileURLWithPath: demo.base))
        #expect(merged.tensors.map(\.name) == base.tensors.map(\.name))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("merge_config.json").path))

        // Again without --force: exit 5, one line, the output untouched.
        let again = try CommandRunner.run(["merge"] + family + ["--out", out.path, "--quiet", "--method", "ta"])
        #expect(again.status == 5)
        #expect(again.stderr.split(separator: "\n").count == 1 && again.stderr.contains("--force"))
        let config = try String(contentsOf: out.appendingPathComponent("merge_config.json"), encoding: .utf8)
        #expect(config.contains("\"method\" : \"iso-c\""))
        let forced = try CommandRunner.run(["merge"] + family + ["--out", out.path, "--quiet", "--method", "ta", "--lambda", "0.4", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try String(contentsOf: out.appendingPathComponent("merge_config.json"), encoding: .utf8).contains("\"coefficient\" : 0.4"))
    }

    @Test func badInputsAreOneLineAndWriteNothing() throws {
        let demo = try DemoFamilyRun.shared.get()
        let directory = try TestPaths.temporaryDirectory()
        let out = directory.appendingPathComponent("merged")
        // A full fine-tune with NaN in one weight.
        let poisoned = directory.appendingPathComponent("poisoned")
        try FileManager.default.createDirectory(at: poisoned, withIntermediateDirectories: true)
        let alpha = try Checkpoint(url: URL(fileURLWithPath: demo.model("alpha")))
        var tensors = [String: Tensor]()
        for info in alpha.tensors { tensors[info.name] = try alpha.tensor(info.name) }
        tensors["encoder.layer.0.attention.self.query.weight"]!.values[5] = .nan
        try SafetensorsWriter.write(tensors, to: poisoned.appendingPathComponent("model.safetensors"))
        let cases: [([String], Int32)] = [
            (["--models", demo.model("alpha"), poisoned.path, "--method", "ties"], 3),
            (["--models", demo.model("alpha"), "/nonexistent/model", "--method", "tsv"], 3),
            (["--models", demo.model("alpha"), "--method", "ties", "--density", "1.5"], 64),
            (["--models", demo.model("alpha"), "--method", "tsv", "--density", "0.5"], 64),
            (["--models", demo.model("alpha"), "--method", "slerp"], 64),
        ]
        for (arguments, status) in cases {
            let run = try CommandRunner.run(["merge", "--base", demo.base] + arguments + ["--out", out.path, "--quiet"])
            #expect(run.status == status, "\(arguments): \(run.stderr)")
            if status == 3 { #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)") }
            #expect(!FileManager.default.fileExists(atPath: out.path))
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["poisoned"])
        }
    }
}
