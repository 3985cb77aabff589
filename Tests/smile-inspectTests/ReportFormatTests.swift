import Foundation
import Testing

/// `--format text|markdown|json|csv` and `-o FILE` on every reporting command; `--json` aliases.
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct ReportFormatTests {
    static func family(_ demo: DemoFamilyRun.Run, _ names: [String] = ["alpha", "beta"]) -> [String] {
        ["--base", demo.base, "--models"] + names.map(demo.model)
    }

    @Test func mergeableJSONFlagIsTheJSONFormatAndOutputGoesToTheFile() throws {
        let demo = try DemoFamilyRun.shared.get()
        let alias = try CommandRunner.run(["mergeable"] + Self.family(demo) + ["--json", "--quiet"])
        let file = try TestPaths.temporaryDirectory().appendingPathComponent("verdict.json")
        let format = try CommandRunner.run(["mergeable"] + Self.family(demo) + ["--format", "json", "-o", file.path, "--quiet"])
        #expect(alias.status == format.status)
        #expect(format.stdout.isEmpty)
        #expect(try String(contentsOf: file, encoding: .utf8) == alias.stdout)
        #expect(alias.stdout.contains("\"schemaVersion\" : 1"))
    }

    @Test func mergeableWritesMarkdownAndCSV() throws {
        let demo = try DemoFamilyRun.shared.get()
        let markdown = try CommandRunner.run(["mergeable"] + Self.family(demo) + ["--format", "markdown", "--quiet"])
        #expect(markdown.stdout.contains("- [MERGEABLE]") || markdown.stdout.contains("- [RISKY]") || markdown.stdout.contains("- [NOT MERGEABLE]"))
        let csv = try CommandRunner.run(["mergeable"] + Self.family(demo) + ["--format", "csv", "--quiet"])
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first == "merge,signal,level,value,subject,reason,lambda_star,expected_kept,w_star")
        #expect(lines.contains { $0.contains(",residual,") } && lines.contains { $0.contains(",pair,") })
    }

    @Test func upscaleReportsInEveryFormatAndKeepsItsJSONAlias() throws {
        let demo = try DemoFamilyRun.shared.get()
        let root = try TestPaths.temporaryDirectory()
        var outputs = [String: String]()
        for format in ["text", "markdown", "csv", "json"] {
            let run = try CommandRunner.run(["upscale"] + Self.family(demo) + ["--out", root.appendingPathComponent(format).path, "--format", format, "--quiet", "--probe-samples", "2"])
            #expect(run.status == 0, "\(format): \(run.stderr)")
            outputs[format] = run.stdout
        }
        #expect(outputs["text"]!.contains("Upscaled ") && outputs["markdown"]!.contains("| MODULE |"))
        #expect(outputs["csv"]!.hasPrefix("module,out_features,in_features,k,gate_k,"))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(outputs["json"]!.utf8)) as? [String: Any])
        #expect(report["command"] as? String == "upscale" && (report["config"] as? [String: Any])?["gateK"] as? Int == 1)
        let file = root.appendingPathComponent("report.json")
        let alias = try CommandRunner.run(["upscale"] + Self.family(demo) + ["--out", root.appendingPathComponent("alias").path, "--json", "-o", file.path, "--quiet", "--probe-samples", "2"])
        #expect(alias.status == 0 && alias.stdout.isEmpty)
        let written = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        #expect(written["schemaVersion"] as? Int == 1)
    }

    @Test func listWritesMarkdownCSVAndJSON() throws {
        let demo = try DemoFamilyRun.shared.get()
        let csv = try CommandRunner.run(["list", demo.base, "--format", "csv"])
        #expect(csv.stdout.contains("encoder.layer.0.attention.self.query.weight,F32,48x48,9216"))
        let markdown = try CommandRunner.run(["list", demo.model("beta"), "--format", "markdown"])
        #expect(markdown.stdout.contains("## LoRA adapter") && markdown.stdout.contains("| name | dtype | shape | bytes |"))
        let file = try TestPaths.temporaryDirectory().appendingPathComponent("list.json")
        let json = try CommandRunner.run(["list", demo.model("beta"), "--format", "json", "-o", file.path])
        #expect(json.status == 0 && json.stdout.isEmpty)
        let listing = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        #expect(listing["kind"] as? String == "lora" && (listing["adapter"] as? [String: Any])?["r"] as? Int == 4)
    }
}
