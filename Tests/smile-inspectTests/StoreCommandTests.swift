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

    /// The JSON of a `model` run without its top-level `performance` section (wall times, RSS).
    static func withoutPerformance(_ json: String) -> String {
        var lines = [Substring](), skipping = false
        for line in json.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "  \"performance\" : {" { skipping = true; continue }
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
        #expect(rejudged.stdout == (try CommandRunner.run(["mergeable", "--quiet", "--json"] + pair + strict)).stdout)
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
        #expect(other.stderr.contains("option computeIntruders: the store has 0, this run 1"), "\(other.stderr)")
        let notAStore = try CommandRunner.run(["report", "--store", try TestPaths.temporaryDirectory().path])
        #expect(notAStore.status == 3 && notAStore.stderr.contains("is not a results store"))
    }

    @Test func usageErrors() throws {
        #expect(try CommandRunner.run(["model"]).status == 64)
        #expect(try CommandRunner.run(["model", "--shard", "0/2"] + Self.family()).status == 64)
        #expect(try CommandRunner.run(["model", "--store", "/tmp/x", "--shard", "2/2"] + Self.family()).status == 64)
        #expect(try CommandRunner.run(["upscale", "--out", "/tmp/never"]).status == 64)
    }
}
