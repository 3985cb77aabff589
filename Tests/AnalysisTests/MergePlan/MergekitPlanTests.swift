import Foundation
import Testing
import Yams
@testable import Analysis

/// The emitted mergekit configs, parsed back by Yams (an independent YAML reader) field by field.
@Suite struct MergekitPlanTests {
    /// The demo family (alpha, beta = LoRA adapter, gamma) analysed once.
    static let demo: Result<(paths: DemoFamily.Paths, summary: FamilySummary), Error> = Result {
        let paths = try DemoFamily.write(to: try Fixtures.temporaryDirectory())
        let family = try ModelFamily.open(base: paths.base.path, models: paths.models.map(\.path), names: DemoFamily.taskNames)
        return (paths, try FamilyAnalyzer(options: AnalysisOptions(computeIntruders: false)).analyze(family).summary)
    }

    static func parse(_ text: String) throws -> [String: Any] {
        try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    static func plan(_ weighting: MergekitPlan.Weighting) throws -> (MergekitPlan, FamilySummary, DemoFamily.Paths) {
        let (paths, summary) = try demo.get()
        let plan = MergekitPlan(summary: summary, base: paths.base.path, models: paths.models.map(\.path), kinds: [.full, .lora, .full], dtype: "float32", weighting: weighting)
        return (plan, summary, paths)
    }

    @Test func wholeSetAtLambdaStarParsesBackFieldByField() throws {
        let (plan, summary, paths) = try Self.plan(.lambdaStar)
        let whole = try #require(plan.entries.first)
        #expect(whole.suffix == "")
        let yaml = try Self.parse(MergekitPlan.text(whole))
        #expect(yaml["merge_method"] as? String == "task_arithmetic")
        #expect(yaml["base_model"] as? String == paths.base.path)
        #expect(yaml["dtype"] as? String == "float32")
        #expect((yaml["parameters"] as? [String: Any])?["normalize"] as? Bool == false)
        let models = try #require(yaml["models"] as? [[String: Any]])
        #expect(models.map { $0["model"] as? String } == [paths.models[0].path, paths.base.path + "+" + paths.models[1].path, paths.models[2].path])
        let lambda = try #require(summary.interference?.all.lambdaStar)
        for model in models {
            let weight = try #require((model["parameters"] as? [String: Any])?["weight"] as? Double)
            #expect(abs(weight - lambda) < 1e-6)
        }
        #expect(Set(yaml.keys) == ["merge_method", "base_model", "dtype", "parameters", "models"])
    }

    /// mergekit 0.1.5 refuses `base+adapter` models without `--lora-merge-cache` ("Need to specify cache dir
    /// to merge adapters"); the run comment says so exactly when a config names an adapter.
    @Test func runCommentAsksForTheLoRACacheOnlyWithAnAdapter() throws {
        let (paths, summary) = try Self.demo.get()
        let models = paths.models.map(\.path)
        let withAdapter = MergekitPlan(summary: summary, base: paths.base.path, models: models, kinds: [.full, .lora, .full], dtype: "float32", weighting: .lambdaStar)
        let fullOnly = MergekitPlan(summary: summary, base: paths.base.path, models: models, kinds: [.full, .full, .full], dtype: "float32", weighting: .lambdaStar)
        let run = { (plan: MergekitPlan) in try #require(plan.entries.first?.comments.first { $0.hasPrefix("run: ") }) }
        #expect(try run(withAdapter) == "run: mergekit-yaml THIS_FILE OUTPUT_DIR --lora-merge-cache CACHE_DIR (mergekit applies each adapter to the base there first)")
        #expect(try run(fullOnly) == "run: mergekit-yaml THIS_FILE OUTPUT_DIR")
    }

    @Test func groupsAtPerModelWeights() throws {
        let (plan, summary, _) = try Self.plan(.perModel)
        let groups = try #require(summary.plan?.groups)
        #expect(plan.entries.map(\.suffix) == [""] + groups.indices.map { ".group-\($0 + 1)" })
        for (entry, group) in zip(plan.entries.dropFirst(), groups) {
            let models = try #require(try Self.parse(MergekitPlan.text(entry))["models"] as? [[String: Any]])
            let weights = try #require(group.weights?.weights)
            #expect(models.count == group.tasks.count)
            for (model, w) in zip(models, weights) {
                #expect(abs(((model["parameters"] as? [String: Any])?["weight"] as? Double ?? .nan) - w) < 1e-6)
            }
        }
        let whole = try #require(try Self.parse(MergekitPlan.text(plan.entries[0]))["models"] as? [[String: Any]])
        for (model, w) in zip(whole, try #require(summary.weights?.weights)) {
            #expect(abs(((model["parameters"] as? [String: Any])?["weight"] as? Double ?? .nan) - w) < 1e-6)
        }
    }

    @Test func awkwardPathsSurviveQuoting() throws {
        let config = MergekitConfig(taskArithmetic: "base: \"x\"\\y", models: ["#a", "b\tc", "1e+0"], weights: [1, 0.25, 1e-7], dtype: "bfloat16")
        let yaml = try Self.parse(MergekitPlan.text(MergekitPlan.Entry(suffix: "", comments: ["note"], config: config)))
        #expect(yaml["base_model"] as? String == "base: \"x\"\\y")
        let models = try #require(yaml["models"] as? [[String: Any]])
        #expect(models.map { $0["model"] as? String } == ["#a", "b\tc", "1e+0"])
        #expect(models.map { (($0["parameters"] as? [String: Any])?["weight"] as? Double) } == [1, 0.25, 0])
    }

    @Test func relativeLocalPathsAreWrittenSoMergekitNeverAsksTheHub() throws {
        // mergekit's model card asks the Hub about an existing path with at most one "/" (fails offline).
        let name = "mergekit-local-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: name + "/base", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: name) }
        #expect(MergekitPlan.local(name + "/base") == "./\(name)/base")
        #expect(MergekitPlan.local(name) == "./\(name)")
        for unchanged in ["/abs/base", "./\(name)/base", "../elsewhere", "~/base", "org/not-a-local-path"] {
            #expect(MergekitPlan.local(unchanged) == unchanged)
        }
    }

    @Test func filesAreNamedBesideTheGivenFile() {
        let file = URL(fileURLWithPath: "/tmp/plans/merge.yml")
        #expect(MergekitPlan.url(for: file, suffix: "").path == "/tmp/plans/merge.yml")
        #expect(MergekitPlan.url(for: file, suffix: ".group-2").path == "/tmp/plans/merge.group-2.yml")
        #expect(MergekitPlan.url(for: URL(fileURLWithPath: "/tmp/merge"), suffix: ".group-1").path == "/tmp/merge.group-1")
    }

    @Test func writesEveryEntryAtomically() throws {
        let (plan, _, _) = try Self.plan(.lambdaStar)
        let directory = try Fixtures.temporaryDirectory()
        let written = try plan.write(to: directory.appendingPathComponent("m.yaml"))
        #expect(written.count == plan.entries.count)
        for url in written { #expect(FileManager.default.fileExists(atPath: url.path)) }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasSuffix(".yaml") }
        #expect(leftovers.isEmpty)
    }
}
