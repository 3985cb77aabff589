import Analysis
import Foundation
import Testing

/// `smile-inspect upscale --budget / --gate-k auto / --layout`: the plan printed before writing, the JSON
/// fields, and one clear line (nothing written) for input the options cannot honour.
@Suite struct UpscaleBudgetCommandTests {
    static func family(_ root: URL) throws -> [String] {
        let paths = try DemoFamily.write(to: root.appendingPathComponent("family"))
        return ["upscale", "--base", paths.base.path, "--models"] + paths.models.map(\.path) + ["--quiet"]
    }

    @Test func printsThePlanBeforeTheReport() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("smile")
        let run = try CommandRunner.run(try Self.family(root) + ["--out", out.path, "--budget", "0.3", "--gate-k", "auto", "--routing-target", "0.8"])
        #expect(run.status == 0, "\(run.stderr)")
        let plan = try #require(run.stdout.range(of: "Plan for --budget 0.3"))
        let report = try #require(run.stdout.range(of: "Upscaled "))
        #expect(plan.lowerBound < report.lowerBound)
        #expect(run.stdout.contains("maximising the sum of per-expert energy shares"))
        #expect(run.stdout.contains("uniform k = ") || run.stdout.contains("no uniform k fits"))
        let config = try SmileConfig.decode(Data(contentsOf: out.appendingPathComponent(SmileConfig.fileName)))
        let budget = try #require(config.budget)
        #expect(budget.overhead <= 0.3 && budget.layers.count == config.modules.count)
        #expect(budget.allocation == .updates && run.stdout.contains("energy shares of the updates"), "the measured default allocation")
        #expect(zip(budget.layers, config.modules).allSatisfy { $0.k == $1.k && $0.gateK == $1.gateK })
        #expect(config.routingTarget == 0.8 && config.layout == "smile-moe-linear")
        #expect(config.modules.allSatisfy { $0.routing?.search != nil })
    }

    /// `--budget-on`: each allocation is recorded with the energy kept of both the residuals and the
    /// updates; `updates` keeps more of the updates than `residuals` at the same budget and the
    /// residuals' plan more of the residuals (each the greedy optimum of its own objective for what it
    /// spends); `uniform`
    /// writes one k (clamped per layer); every plan fits the budget and the written k are the plan's.
    @Test func budgetOnRecordsTheAllocationAndBothEnergies() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        var plans = [BudgetAllocation: RankBudgetPlan]()
        for allocation in BudgetAllocation.allCases {
            let out = root.appendingPathComponent(allocation.rawValue)
            let run = try CommandRunner.run(try Self.family(root) + ["--out", out.path, "--budget", "0.4", "--budget-on", allocation.rawValue, "--probe-samples", "0"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("mean energy kept of the residuals"))
            if allocation != .uniform { #expect(run.stdout.contains("energy shares of the \(allocation.rawValue)")) }
            let config = try SmileConfig.decode(Data(contentsOf: out.appendingPathComponent(SmileConfig.fileName)))
            let plan = try #require(config.budget)
            #expect(plan.allocation == allocation && plan.overhead <= 0.4)
            #expect(zip(plan.layers, config.modules).allSatisfy { $0.k == $1.k })
            let kept = try #require(plan.energyKeptOfResiduals), updates = try #require(plan.energyKeptOfUpdates)
            #expect(abs(plan.energyKept - (allocation == .updates ? updates : kept)) < 1e-12)
            plans[allocation] = plan
        }
        let residuals = try #require(plans[.residuals]), updates = try #require(plans[.updates]), uniform = try #require(plans[.uniform])
        // A greedy prefix is the optimum of its objective among allocations costing no more than it spent.
        if updates.overheadParameters >= residuals.overheadParameters { #expect(updates.energyKeptOfUpdates! >= residuals.energyKeptOfUpdates! - 1e-9) }
        if residuals.overheadParameters >= updates.overheadParameters { #expect(residuals.energyKeptOfResiduals! >= updates.energyKeptOfResiduals! - 1e-9) }
        #expect(updates.layers.map(\.k) != residuals.layers.map(\.k), "the demo family's residuals and updates have different spectra")
        #expect(Set(uniform.layers.map(\.k)).count <= 2, "\(uniform.layers.map(\.k))")
    }

    @Test func jsonOutputFollowsTheContract() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let run = try CommandRunner.run(try Self.family(root) + ["--out", root.appendingPathComponent("smile").path, "--budget", "0.5", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        // --format json too: standard output holds the JSON document only (the plan is not printed before it).
        let format = try CommandRunner.run(try Self.family(root) + ["--out", root.appendingPathComponent("smile2").path, "--budget", "0.5", "--format", "json"])
        #expect(format.status == 0 && (try? JSONSerialization.jsonObject(with: Data(format.stdout.utf8))) != nil, "\(format.stdout.prefix(200))")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["schemaVersion", "command", "output", "config", "compatibility"])
        let config = try #require(object["config"] as? [String: Any])
        let budget = try #require(config["budget"] as? [String: Any])
        #expect(budget["objective"] as? String == "sum of per-expert energy shares")
        #expect(budget["uniformAtBudget"] != nil && budget["layers"] != nil)
    }

    @Test func badInputIsOneLineAndWritesNothing() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("smile")
        let base = try Self.family(root) + ["--out", out.path]
        let cases: [([String], String)] = [
            (["--budget", "0.0001"], "below the routers' own cost"),
            (["--gate-k", "100000"], "is larger than"),
            (["--layout", "fusionbench-hf"], "config.json"),
            (["--gate-k", "zero"], "--gate-k must be a positive integer, k or auto"),
            (["--shared", "merged:x"], "--shared must be iso-c, iso-c:c, tsv, tsv:α, merged, merged:λ (a number) or pretrained"),
            (["--shared", "iso-c:x"], "--shared must be iso-c, iso-c:c, tsv, tsv:α, merged, merged:λ (a number) or pretrained"),
            (["--expert-scale", "nan"], "--expert-scale must be a finite number"),
            (["--budget", "0.5", "--rank-for-energy", "0.9"], "pass one of them"),
            (["--budget", "0.5", "--budget-on", "energy"], "--budget-on must be residuals, updates, uniform, got \"energy\""),
            (["--budget-on", "updates"], "--budget-on chooses how --budget spends its parameters; pass --budget too"),
        ]
        for (flags, message) in cases {
            let run = try CommandRunner.run(base + flags)
            #expect(run.status != 0, "\(flags)")
            if flags.contains("--budget-on") { #expect(run.status == 64, "\(flags)") }
            let lines = run.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage") && !$0.hasPrefix("  See") && !$0.isEmpty }
            #expect(lines.count == 1 && run.stderr.contains(message), "\(flags): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path), "\(flags) left output behind")
        }
    }
}
