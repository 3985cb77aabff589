import Analysis
import Foundation
import Testing

/// `mergeable` gates scripts by its exit status: 0 mergeable, 1 risky, 2 not mergeable, 3 input, 64 usage.
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct MergeableCommandTests {
    static func mergeable(_ models: [String], _ extra: [String] = []) throws -> CommandRunner.Result {
        let demo = try DemoFamilyRun.shared.get()
        return try CommandRunner.run(["mergeable", "--quiet", "--base", demo.base, "--models"] + models.map(demo.model) + extra)
    }

    @Test func exitStatusFollowsTheVerdict() throws {
        #expect(try Self.mergeable(["alpha", "beta"]).status == 0)
        #expect(try Self.mergeable(["alpha", "beta", "gamma"]).status == 2)
        // Lowering the residual threshold below the pair's worst residual makes it risky.
        let strict = try Self.mergeable(["alpha", "beta"], ["--residual-risky", "0", "--residual-not-mergeable", "10"])
        #expect(strict.status == 1, "\(strict.stdout)")
        #expect(strict.stdout.contains("RISKY"))
    }

    @Test func jsonCarriesTheVerdictAndItsSignals() throws {
        let run = try Self.mergeable(["alpha", "gamma"], ["--json"])
        #expect(run.status == 2)
        let result = try JSONDecoder().decode(MergeableJSON.self, from: Data(run.stdout.utf8))
        #expect(result.verdict.level == .notMergeable)
        #expect(Set(result.verdict.signals.map(\.name)).isSuperset(of: ["residual", "cosine", "topEnergy"]))
        #expect(result.summary.pairs.count == 1)
    }

    @Test func planNamesTheGroupsAndWritesTheirMergekitConfigs() throws {
        let directory = try TestPaths.temporaryDirectory()
        let file = directory.appendingPathComponent("merge.yml")
        let run = try Self.mergeable(["alpha", "beta", "gamma"], ["--plan", "--emit-mergekit", file.path, "--emit-weights", "wstar"])
        #expect(run.status == 2)
        #expect(run.stdout.contains("Merge plan (exhaustive search over 4 subsets"))
        #expect(run.stdout.contains("Candidates for SMILE experts rather than a merge: gamma."))
        #expect(run.stdout.contains("Per-model weights (data-free estimates"))
        let group = try String(contentsOf: directory.appendingPathComponent("merge.group-1.yml"), encoding: .utf8)
        #expect(group.contains("merge_method: \"task_arithmetic\""))
        #expect(group.contains("task arithmetic of alpha + beta"))
        #expect(FileManager.default.fileExists(atPath: file.path))
        let json = try JSONDecoder().decode(MergeableJSON.self, from: Data(try Self.mergeable(["alpha", "beta", "gamma"], ["--json", "--ridge", "1e9"]).stdout.utf8))
        let lambda = try #require(json.summary.interference?.all.lambdaStar)
        #expect(try #require(json.summary.weights).weights.allSatisfy { abs($0 - lambda) < 1e-6 })
        #expect(json.summary.plan?.groups.map(\.tasks) == [["alpha", "beta"]])
    }

    @Test func judgesAMergekitConfigAndRefusesABadOneBeforeReading() throws {
        let demo = try DemoFamilyRun.shared.get()
        let directory = try TestPaths.temporaryDirectory()
        let config = directory.appendingPathComponent("ties.yml")
        let yaml = "merge_method: ties\nbase_model: \(demo.base)\nmodels:\n  - model: \(demo.model("alpha"))\n    parameters: {weight: 0.5, density: 0.5}\n  - model: \(demo.model("gamma"))\n    parameters: {weight: 0.5}\n"
        try yaml.write(to: config, atomically: true, encoding: .utf8)
        let run = try Self.mergeable(["alpha", "gamma"], ["--mergekit", config.path])
        #expect(run.stdout.contains("mergekit config (ties)"))
        #expect(run.stdout.contains("sign election"))
        let bad = directory.appendingPathComponent("bad.yml")
        try yaml.replacingOccurrences(of: "weight: 0.5}", with: "weight: lots}").write(to: bad, atomically: true, encoding: .utf8)
        let refused = try Self.mergeable(["alpha", "gamma"], ["--mergekit", bad.path])
        #expect(refused.status == 3)
        #expect(refused.stderr.split(separator: "\n").count == 1)
        #expect(refused.stderr.contains("models[1].parameters.weight"))
    }

    @Test func badInputIsOneLineWithExitThree() throws {
        let run = try CommandRunner.run(["mergeable", "--base", "/nonexistent/base", "--models", "/nonexistent/a", "/nonexistent/b"])
        #expect(run.status == 3)
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(run.stderr.contains("/nonexistent/base"))
    }

    @Test func usageErrorsExitSixtyFour() throws {
        let demo = try DemoFamilyRun.shared.get()
        #expect(try CommandRunner.run(["mergeable", "--base", demo.base, "--models", demo.model("alpha")]).status == 64)
        #expect(try CommandRunner.run(["layer", "--base", demo.base, "--models", demo.model("alpha")]).status == 64)
    }

    struct MergeableJSON: Decodable {
        var verdict: MergeVerdict
        var summary: FamilySummary
    }
}
