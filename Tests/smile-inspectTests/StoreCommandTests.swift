import Foundation
import Testing

/// `--store`, `--shard` and `report` on the demo family: reports from the store alone equal the
/// single-process JSON byte for byte (apart from the `performance` timings), re-judging needs no weights,
/// an incomplete store says what is missing with exit 6, and a store of other options is one line, exit 3.
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct StoreCommandTests {
    /// `model --base … --models …` arguments of the demo family.
    static func family() throws -> [String] {
        let demo = try DemoFamilyRun.shared.get()
        return ["--base", demo.base, "--models"] + ["alpha", "beta", "gamma"].map(demo.model)
    }

    /// The JSON of a `model` or `mergeable` run without its top-level `performance` (wall times, RSS) and
    /// `compatibility` sections (the check of the input files, which a store alone does not have).
    static func withoutPerformance(_ json: String) -> String {
        var lines = [Substring](), skipping = false
        for line in json.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "  \"performance\" : {" || line == "  \"compatibility\" : {" { skipping = true; continue }
            if skipping { if line == "  }," || line == "  }" { skipping = false }; continue }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    @Test func theStoreAloneGivesTheSameReportAndRejudges() throws {
        let store = try TestPaths.temporaryDirectory().appendingPathComponent("store").path
        let single = try CommandRunner.run(["model", "--quiet", "--format", "json"] + Self.family())
        #expect(single.status == 0 && single.stdout.contains("\"performance\""))
        let stored = try CommandRunner.run(["model", "--quiet", "--format", "json", "--store", store] + Self.family())
        #expect(stored.status == 0)
        let report = try CommandRunner.run(["report", "--store", store, "--format", "json"])
        #expect(report.status == 0 && !report.stdout.contains("\"performance\""))
        #expect(Self.withoutPerformance(single.stdout) == report.stdout)
        #expect(try CommandRunner.run(["model", "--store", store, "--format", "json"]).stdout == report.stdout)

        // A rerun reuses everything.
        let rerun = try CommandRunner.run(["model", "--format", "json", "--store", store] + Self.family())
        #expect(rerun.stderr.contains("store: 19 of 19 tensors reused, 0 computed"), "\(rerun.stderr)")

        // Re-judging without weights: the demo's gamma makes the triple not mergeable; the pair alpha + beta
        // is mergeable, and risky under a residual threshold of 0 — as `mergeable --base` judges them.
        #expect(try CommandRunner.run(["mergeable", "--store", store]).status == 2)
        let demo = try DemoFamilyRun.shared.get()
        let pairStore = try TestPaths.temporaryDirectory().appendingPathComponent("pair").path
        let pair = ["--base", demo.base, "--models", demo.model("alpha"), demo.model("beta")]
        #expect(try CommandRunner.run(["mergeable", "--quiet", "--store", pairStore] + pair).status == 0)
        let strict = ["--residual-risky", "0", "--residual-not-mergeable", "10"]
        let rejudged = try CommandRunner.run(["mergeable", "--store", pairStore, "--json"] + strict)
        #expect(rejudged.status == 1, "\(rejudged.stdout)")
        #expect(rejudged.stdout == Self.withoutPerformance(try CommandRunner.run(["mergeable", "--quiet", "--json"] + pair + strict).stdout))
        let layer = try CommandRunner.run(["layer", "--store", store, "--layer", "layer.0.attention.self.query"])
        #expect(layer.status == 0 && layer.stdout.contains("layer.0.attention.self.query"), "\(layer.stderr)")
    }

    @Test func anIncompleteStoreNamesWhatIsMissingWithExitSix() throws {
        let store = try TestPaths.temporaryDirectory().appendingPathComponent("store").path
        let shard = try CommandRunner.run(["model", "--quiet", "--store", store, "--shard", "0/2"] + Self.family())
        #expect(shard.status == 0 && shard.stdout.isEmpty && shard.stderr.contains("shard 0/2 done"))
        let report = try CommandRunner.run(["report", "--store", store])
        #expect(report.status == 6)
        #expect(report.stderr.contains("have no result in the store yet"))
        #expect(report.stdout.contains("incomplete store"))
        let other = try CommandRunner.run(["model", "--quiet", "--store", store, "--shard", "1/2"] + Self.family())
        #expect(other.status == 0)
        #expect(try CommandRunner.run(["report", "--store", store]).status == 0)
    }

    @Test func aStoreOfOtherOptionsIsOneLineWithExitThree() throws {
        let store = try TestPaths.temporaryDirectory().appendingPathComponent("store").path
        #expect(try CommandRunner.run(["model", "--quiet", "--store", store, "--no-intruders"] + Self.family()).status == 0)
        let other = try CommandRunner.run(["model", "--quiet", "--store", store] + Self.family())
        #expect(other.status == 3)
        #expect(other.stderr.split(separator: "\n").count == 1)
        #expect(other.stderr.contains("option computeIntruders: the store has false, this run true"), "\(other.stderr)")
        let notAStore = try CommandRunner.run(["report", "--store", try TestPaths.temporaryDirectory().path])
        #expect(notAStore.status == 3 && notAStore.stderr.contains("is not a results store"))
    }

    @Test func shardAutoReadsSlurmAndKubernetesIndices() throws {
        let store = try TestPaths.temporaryDirectory().appendingPathComponent("store").path
        let model = ["model", "--quiet", "--store", store, "--shard", "auto"] + (try Self.family())
        let resubmitted = ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "1", "SLURM_ARRAY_TASK_COUNT": "1"]
        let slurm = try CommandRunner.run(model + ["--shard-count", "2"], environment: resubmitted)
        #expect(slurm.status == 0 && slurm.stderr.contains("shard 1/2 done"), "\(slurm.stderr)")
        let withoutCount = try CommandRunner.run(model, environment: resubmitted)
        #expect(withoutCount.status != 0 && withoutCount.stderr.contains("pass --shard-count N"), "\(withoutCount.stderr)")
        let kubernetes = try CommandRunner.run(model + ["--shard-count", "2"], environment: ["JOB_COMPLETION_INDEX": "0"])
        #expect(kubernetes.status == 0 && kubernetes.stderr.contains("shard 0/2 done"), "\(kubernetes.stderr)")
        let report = try CommandRunner.run(["report", "--store", store, "--format", "json"])
        #expect(report.status == 0)
        let single = try CommandRunner.run(["model", "--quiet", "--format", "json"] + Self.family())
        #expect(Self.withoutPerformance(single.stdout) == report.stdout)
        #expect(try CommandRunner.run(model, environment: ["JOB_COMPLETION_INDEX": "0"]).status == 3)
    }

    @Test func layerReadsAndAddsSingleRecords() throws {
        let store = try TestPaths.temporaryDirectory().appendingPathComponent("store").path
        let layer = ["layer", "--layer", "layer.1.output.dense", "--format", "json"]
        let direct = try CommandRunner.run(layer + Self.family())
        #expect(direct.status == 0)
        let stored = try CommandRunner.run(layer + Self.family() + ["--store", store])
        #expect(stored.stdout == direct.stdout)
        let record = URL(fileURLWithPath: store).appendingPathComponent("records")
        #expect(try FileManager.default.contentsOfDirectory(atPath: record.path).count == 1)
        #expect(try CommandRunner.run(layer + ["--store", store]).stdout == direct.stdout)
        // The store a `model` run then completes is the same store.
        #expect(try CommandRunner.run(["model", "--quiet", "--store", store] + Self.family()).status == 0)
        let missing = try CommandRunner.run(["layer", "--store", store, "--layer", "no.such.layer"])
        #expect(missing.status == 3 && missing.stderr.contains("has no record for no.such.layer"))
    }

    @Test func usageErrors() throws {
        #expect(try CommandRunner.run(["model"]).status == 64)
        #expect(try CommandRunner.run(["model", "--shard", "0/2"] + Self.family()).status == 64)
        #expect(try CommandRunner.run(["model", "--store", "/tmp/x", "--shard", "2/2"] + Self.family()).status == 64)
        #expect(try CommandRunner.run(["upscale", "--out", "/tmp/never"]).status == 64)
    }
}
