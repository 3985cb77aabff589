import Analysis
import Foundation
import Testing

/// `--mergekit config.yml` on `mergeable` and `model`: the family taken from the config when --base and
/// --models are absent (paths or cached repo ids), the sparsification statistics per layer and summed at
/// the model level, and one-line errors before any weight is read.
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct MergekitCommandTests {
    static func config(_ method: String, base: String, models: [String], density: String = "0.4") throws -> URL {
        let file = try TestPaths.temporaryDirectory().appendingPathComponent("\(method).yml")
        let entries = models.map { "  - model: \($0)\n    parameters: {weight: 0.6, density: \(density)}\n" }.joined()
        try "merge_method: \(method)\nbase_model: \(base)\nmodels:\n\(entries)".write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    struct ModelJSON: Decodable {
        struct Layer: Decodable { var name: String; var sparsification: SparsificationStatistics? }
        var layers: [Layer]
        var mergekit: MergekitJudgement?
    }

    @Test func modelTakesTheFamilyFromTheConfigAndSumsTheLayersRecords() throws {
        let demo = try DemoFamilyRun.shared.get()
        let ties = try Self.config("ties", base: demo.base, models: [demo.model("alpha"), demo.model("gamma")])
        let run = try CommandRunner.run(["model", "--quiet", "--mergekit", ties.path, "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try JSONDecoder().decode(ModelJSON.self, from: Data(run.stdout.utf8))
        let summary = try #require(json.mergekit?.sparsification)
        let layers = json.layers.compactMap(\.sparsification)
        #expect(!layers.isEmpty && layers.count == json.layers.count)
        #expect(summary.method == .magnitude && !summary.isExpectation)
        #expect(summary.overlapEntries == layers.reduce(0) { $0 + $1.overlapEntries })
        #expect(summary.conflictEntries == layers.reduce(0) { $0 + $1.conflictEntries })
        let discarded = layers.reduce(0) { $0 + ($1.electionDiscardedEnergy ?? 0) }
        #expect(abs((summary.electionDiscardedEnergy ?? -1) - discarded) <= 1e-12 * max(1, discarded))
        for (p, task) in summary.tasks.enumerated() {
            #expect(task.keptEntries == layers.reduce(0) { $0 + $1.tasks[p].keptEntries })
            // k = ⌊0.4·numel⌋ per tensor (at least 1).
            #expect(task.keptEntries == Double(layers.reduce(0) { $0 + max(1, Int(0.4 * Double($1.tasks[p].entries))) }))
            #expect(summary.removedEnergy[p] > 0 && summary.removedEnergy[p] < 0.6)
        }
        let text = try CommandRunner.run(["model", "--quiet", "--mergekit", ties.path])
        #expect(text.stdout.contains("mergekit config (ties)") && text.stdout.contains("Sparsification, exact (magnitude trimming)"))
        #expect(text.stdout.contains("neither loss appears in the residuals above"))
    }

    @Test func mergeableReportsExpectationsForDAREAndTakesCachedRepoIds() throws {
        let cache = try HubCacheCommandTests.demoCache()
        let dare = try Self.config("dare_ties", base: "org/base", models: ["org/alpha", cache.demo.model("gamma")], density: "0.5")
        let run = try CommandRunner.run(["mergeable", "--quiet", "--mergekit", dare.path, "--format", "json"], environment: ["HF_HUB_CACHE": cache.hub.path])
        #expect([0, 1, 2].contains(run.status), "\(run.stderr)")
        struct MergeableJSON: Decodable { var mergekit: MergekitJudgement? }
        let summary = try #require(try JSONDecoder().decode(MergeableJSON.self, from: Data(run.stdout.utf8)).mergekit?.sparsification)
        #expect(summary.method == .random && summary.isExpectation && summary.electionDiscardedEnergy == nil)
        #expect(summary.dareRescaledError == [1, 1])
        for (p, task) in summary.tasks.enumerated() {
            #expect(abs(task.keptEntries - 0.5 * Double(task.entries)) < 1e-6 * Double(task.entries))
            #expect(abs(summary.removedEnergy[p] - 0.5) < 1e-9)
        }
        #expect(summary.conflictEntries <= summary.overlapEntries && summary.overlapEntries > 0)
    }

    @Test func namesThatAreNeitherPathsNorCachedRepoIdsAreOneLineBeforeReading() throws {
        let demo = try DemoFamilyRun.shared.get()
        let empty = try TestPaths.temporaryDirectory()
        let cases: [(models: [String], key: String, value: String)] = [
            ([demo.model("alpha"), "not a path"], "models[1].model", "'not a path' is neither a local path nor a Hugging Face repo id"),
            (["nobody/nothing", demo.model("alpha")], "models[0].model", "'nobody/nothing' is not a local path and not in the Hugging Face cache"),
        ]
        for c in cases {
            let file = try Self.config("ties", base: demo.base, models: c.models)
            for command in ["model", "mergeable"] {
                let run = try CommandRunner.run([command, "--quiet", "--mergekit", file.path], environment: ["HF_HUB_CACHE": empty.path])
                #expect(run.status == 3, "\(command): \(run.stderr)")
                #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
                #expect(run.stderr.contains("\(c.key): \(c.value)"), "\(run.stderr)")
            }
        }
        let badBase = try Self.config("ties", base: "/nonexistent/base", models: [demo.model("alpha"), demo.model("gamma")])
        let run = try CommandRunner.run(["mergeable", "--quiet", "--mergekit", badBase.path])
        #expect(run.status == 3 && run.stderr.contains("base_model: '/nonexistent/base' is neither"), "\(run.stderr)")
    }
}
