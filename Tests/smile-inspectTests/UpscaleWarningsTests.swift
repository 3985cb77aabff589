import Analysis
import Foundation
import Testing

/// `upscale` says when its output costs more parameters than keeping the fine-tuned models' layers,
/// checks its output folder before reading any weight, and takes sizes in the one syntax of every command.
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct UpscaleWarningsTests {
    static func upscale(_ out: URL, _ extra: [String]) throws -> CommandRunner.Result {
        let demo = try DemoFamilyRun.shared.get()
        return try CommandRunner.run(["upscale", "--base", demo.base, "--models", demo.model("alpha"), demo.model("beta"), "--out", out.path, "--quiet", "--probe-samples", "2"] + extra)
    }

    @Test func anOutputDearerThanKeepingTheModelsIsWarnedAboutOnStderrAndInTheReport() throws {
        let root = try TestPaths.temporaryDirectory()
        // The demo's 48-wide layers with k up to 128 (clamped to the updates' ranks, ~40): experts cost
        // more than a second copy of each layer.
        let dear = try Self.upscale(root.appendingPathComponent("dear"), ["--format", "json"])
        #expect(dear.status == 0, "\(dear.stderr)")
        let warning = try #require(dear.stderr.split(separator: "\n").first { $0.hasPrefix("warning: the 8 upscaled layers cost") }, "\(dear.stderr)")
        #expect(warning.contains("more than keeping every fine-tuned model's copy of them"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(dear.stdout.utf8)) as? [String: Any])
        let config = try #require(object["config"] as? [String: Any])
        let parameters = try #require((config["modules"] as? [[String: Any]])?.compactMap { $0["parameters"] as? [String: Any] })
        let upscaled = parameters.reduce(0) { $0 + ($1["upscaled"] as! Int) }, keepAll = parameters.reduce(0) { $0 + ($1["keepAll"] as! Int) }
        #expect(upscaled > keepAll)
        #expect((config["warnings"] as? [String])?.first.map { "warning: " + $0 == warning } == true)
        let written = try SmileConfig.decode(Data(contentsOf: root.appendingPathComponent("dear/smile_config.json")))
        #expect(written.warnings?.count == 1)
        let text = try Self.upscale(root.appendingPathComponent("dear-text"), [])
        #expect(text.stdout.contains(String(warning)))
        // k 2: cheaper than the copies, nothing to warn about.
        let cheap = try Self.upscale(root.appendingPathComponent("cheap"), ["--k", "2", "--format", "json"])
        #expect(cheap.status == 0 && !cheap.stderr.contains("warning:"))
        let cheapConfig = try #require((try JSONSerialization.jsonObject(with: Data(cheap.stdout.utf8)) as? [String: Any])?["config"] as? [String: Any])
        #expect(cheapConfig["warnings"] == nil)
    }

    @Test func anExistingOutputIsRefusedBeforeTheBudgetPlanReadsAnything() throws {
        let root = try TestPaths.temporaryDirectory()
        let existing = root.appendingPathComponent("moe")
        try FileManager.default.createDirectory(at: existing, withIntermediateDirectories: true)
        let run = try Self.upscale(existing, ["--budget", "0.5", "--gate-k", "auto"])
        #expect(run.status == 5, "\(run.stderr)")
        #expect(run.stdout.isEmpty, "the plan was computed and printed before the refusal: \(run.stdout)")
        #expect(run.stderr.contains("already exists"))
    }

    @Test func sizesShareOneSyntax() throws {
        let root = try TestPaths.temporaryDirectory()
        let run = try Self.upscale(root.appendingPathComponent("moe"), ["--k", "2", "--max-shard-size", "8G"])
        #expect(run.status == 0, "\(run.stderr)")
        let bytes = try Self.upscale(root.appendingPathComponent("moe-bytes"), ["--k", "2", "--max-shard-size", "2000"])
        #expect(bytes.status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("moe-bytes").path).contains("model.safetensors.index.json"))
        for bad in ["1e30G", "0.5", "lots"] {
            #expect(try Self.upscale(root.appendingPathComponent("bad"), ["--max-shard-size", bad]).status == 64, "\(bad)")
            let demo = try DemoFamilyRun.shared.get()
            #expect(try CommandRunner.run(["model", "--base", demo.base, "--models", demo.model("alpha"), "--max-memory", bad]).status == 64, "\(bad)")
        }
    }
}
