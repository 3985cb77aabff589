import Foundation
import Testing

/// Every row of the README's exit-status table, provoked through the real binary: cannot write → 5
/// (checked before any analysis), cannot read an input → 3, bad option value or combination → 64,
/// incomplete store → 6; each failure one line naming the path once, never Foundation's wording.
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct ExitStatusCommandTests {
    struct Row: CustomStringConvertible {
        var status: Int32
        var arguments: [String]
        /// A path or name the one error line must contain exactly once.
        var names: String?
        var environment: [String: String] = [:]
        var description: String { "\(status) ← \(arguments.joined(separator: " "))" }
    }

    /// The demo family, a truncated checkpoint, a store that only shard 0/2 filled, and an empty folder.
    struct Fixture {
        var demo: DemoFamilyRun.Run
        var scratch: URL
        var partialStore: String
        var truncated: String
        var pair: [String] { ["--quiet", "--base", demo.base, "--models", demo.model("alpha"), demo.model("beta")] }
    }

    static let fixture: Result<Fixture, Error> = Result {
        let demo = try DemoFamilyRun.shared.get()
        let scratch = try TestPaths.temporaryDirectory()
        let store = scratch.appendingPathComponent("partial-store").path
        let shard = try CommandRunner.run(["model", "--quiet", "--store", store, "--shard", "0/2", "--base", demo.base, "--models", demo.model("alpha"), demo.model("beta")])
        guard shard.status == 0 else { throw CommandRunner.RunnerError.binaryNotBuilt }
        let truncated = scratch.appendingPathComponent("truncated.safetensors")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: demo.base).appendingPathComponent("model.safetensors"))
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("empty"), withIntermediateDirectories: true)
        return Fixture(demo: demo, scratch: scratch, partialStore: store, truncated: truncated.path)
    }

    static func rows(_ f: Fixture) -> [Row] {
        let demo = f.demo
        let empty = f.scratch.appendingPathComponent("empty").path
        return [
            Row(status: 0, arguments: ["list", demo.base]),
            Row(status: 0, arguments: ["mergeable"] + f.pair),
            Row(status: 1, arguments: ["mergeable", "--residual-risky", "0", "--residual-not-mergeable", "10"] + f.pair),
            Row(status: 2, arguments: ["mergeable"] + f.pair + [demo.model("gamma")]),
            // 3: an input cannot be read, is malformed, or names nothing.
            Row(status: 3, arguments: ["list", "/nonexistent/model.safetensors"], names: "/nonexistent/model.safetensors"),
            Row(status: 3, arguments: ["list", f.truncated], names: f.truncated),
            Row(status: 3, arguments: ["mergeable", "--mergekit", "nothere.yml"] + f.pair, names: "nothere.yml"),
            Row(status: 3, arguments: ["model", "--mergekit", "nothere.yml"], names: "nothere.yml"),
            Row(status: 3, arguments: ["layer", "--base", demo.base, "--models", demo.model("alpha"), "--layer", "no.such.layer"], names: "no.such.layer"),
            Row(status: 3, arguments: ["report", "--store", empty], names: empty),
            // 4: analysis.
            Row(status: 4, arguments: ["model", "--max-memory", "1"] + f.pair, names: "--max-memory"),
            // 5: cannot write, refused before any analysis.
            Row(status: 5, arguments: ["mergeable", "--emit-mergekit", "/nonexistent/m.yml"] + f.pair, names: "/nonexistent/m.yml"),
            Row(status: 5, arguments: ["model", "--store", "/proc/x"] + f.pair, names: "/proc/x"),
            Row(status: 5, arguments: ["demo", "--out", "/proc/demo"], names: "/proc/demo"),
            Row(status: 5, arguments: ["model", "-o", "/nonexistent/report.txt"] + f.pair, names: "/nonexistent/report.txt"),
            Row(status: 5, arguments: ["model", "--plots", "/proc/figures"] + f.pair, names: "/proc/figures"),
            Row(status: 5, arguments: ["layer", "--store", "/proc/store", "--layer", "layer.0.output.dense", "--base", demo.base, "--models", demo.model("alpha")], names: "/proc/store"),
            Row(status: 5, arguments: ["upscale", "--out", "/proc/moe", "--budget", "0.3"] + f.pair, names: "/proc/moe"),
            Row(status: 5, arguments: ["upscale", "--out", empty, "--budget", "0.3"] + f.pair, names: empty),
            Row(status: 5, arguments: ["report", "--store", f.partialStore, "-o", "/proc/report.json"], names: "/proc/report.json"),
            // 6: a store that is not complete yet.
            Row(status: 6, arguments: ["report", "--store", f.partialStore]),
            Row(status: 6, arguments: ["model", "--store", f.partialStore]),
            // 64: bad option values and combinations.
            Row(status: 64, arguments: ["upscale", "--out", f.scratch.appendingPathComponent("moe").path, "--budget", "-1"] + f.pair, names: "--budget"),
            Row(status: 64, arguments: ["mergeable", "--residual-risky", "-0.1"] + f.pair, names: "--residual-risky"),
            Row(status: 64, arguments: ["mergeable", "--cosine-risky", "-1"] + f.pair, names: "--cosine-risky"),
            Row(status: 64, arguments: ["model", "--zone-fraction", "-0.5"] + f.pair, names: "--zone-fraction"),
            Row(status: 64, arguments: ["model", "--intruder-threshold", "-0.5"] + f.pair, names: "--intruder-threshold"),
            Row(status: 64, arguments: ["mergeable", "--ridge", "-1"] + f.pair, names: "--ridge"),
            Row(status: 64, arguments: ["model", "--jobs", "0"] + f.pair, names: "--jobs"),
            Row(status: 64, arguments: ["model", "--include", "(unclosed"] + f.pair, names: "(unclosed"),
            Row(status: 64, arguments: ["model", "--store", f.scratch.appendingPathComponent("auto-store").path, "--shard", "auto"] + f.pair, names: "--shard",
                environment: ["SLURM_ARRAY_TASK_ID": "", "JOB_COMPLETION_INDEX": ""]),
            Row(status: 64, arguments: ["upscale", "--out", f.scratch.appendingPathComponent("moe").path, "--others", "model:nobody"] + f.pair, names: "nobody"),
            Row(status: 64, arguments: ["mergeable", "--base", demo.base, "--models", demo.model("alpha")]),
        ]
    }

    @Test func everyRowOfTheTable() throws {
        let fixture = try Self.fixture.get()
        for row in Self.rows(fixture) {
            let run = try CommandRunner.run(row.arguments, environment: row.environment)
            #expect(run.status == row.status, "\(row): got \(run.status): \(run.stderr)")
            for foreign in ["NSCocoaErrorDomain", "Error Domain=", "Fatal error", "Missing value", "The operation could not be completed"] {
                #expect(!run.stderr.contains(foreign), "\(row): \(run.stderr)")
            }
            guard row.status >= 3 else { continue }
            #expect(run.stdout.isEmpty || row.status == 6, "\(row): printed before failing: \(run.stdout.prefix(200))")
            let errors = run.stderr.split(separator: "\n").filter { $0.lowercased().hasPrefix(row.status == 6 ? "warning:" : "error:") }
            #expect(errors.count == 1, "\(row): \(run.stderr)")
            if let name = row.names, let line = errors.first {
                #expect(line.components(separatedBy: name).count == 2, "\(row): \(name) once in \(line)")
            }
        }
    }

    /// `layer --store` on an incomplete store: 0 for a stored weight, 6 for one no shard has done yet
    /// (it used to be 3, as if the name matched nothing).
    @Test func layerFromAnIncompleteStoreIsSix() throws {
        let fixture = try Self.fixture.get()
        var statuses = [Int32: Int]()
        for block in 0..<2 {
            for module in ["attention.self.query", "attention.self.value", "intermediate.dense", "output.dense"] {
                let run = try CommandRunner.run(["layer", "--store", fixture.partialStore, "--layer", "layer.\(block).\(module)"])
                statuses[run.status, default: 0] += 1
                if run.status == 6 {
                    #expect(run.stdout.isEmpty)
                    #expect(run.stderr.contains("has no result for encoder.layer.\(block).\(module).weight yet"), "\(run.stderr)")
                }
            }
        }
        #expect(Set(statuses.keys) == [0, 6], "\(statuses)")
    }
}
