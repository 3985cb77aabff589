import Analysis
import Foundation
import Testing

/// Every verdict line says why: each pair, group and subset names the signal that decided its level, in
/// text, JSON and CSV. On the demo, beta + gamma has no residual to speak of (gamma alone carries the
/// error) and is not mergeable because gamma writes most of its update into the top zone.
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct VerdictReasonTests {
    static func plan(_ format: String) throws -> CommandRunner.Result {
        let demo = try DemoFamilyRun.shared.get()
        return try CommandRunner.run(["mergeable", "--quiet", "--plan", "--format", format, "--base", demo.base, "--models"] + ["alpha", "beta", "gamma"].map(demo.model))
    }

    @Test func textNamesTheDecidingSignalOfEveryPairGroupAndSubset() throws {
        let run = try Self.plan("text")
        #expect(run.status == 2)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let pair = try #require(lines.first { $0.hasPrefix("beta + gamma") })
        #expect(pair.contains("NOT MERGEABLE") && pair.contains("E_I: gamma 67.1%"), "\(pair)")
        let opposed = try #require(lines.first { $0.hasPrefix("alpha + gamma") })
        #expect(opposed.contains("residual: gamma keeps 0.76"), "\(opposed)")
        let group = try #require(lines.first { $0.hasPrefix("alpha + beta ") && $0.contains("±") })
        #expect(group.contains("every signal below risky"), "\(group)")
        #expect(lines.contains { $0.contains("• alpha + beta: MERGEABLE") && $0.contains("every signal below risky") })
    }

    @Test func jsonPairsAndGroupsCarryTheirSignals() throws {
        let run = try Self.plan("json")
        struct Document: Decodable { var summary: FamilySummary }
        let summary = try JSONDecoder().decode(Document.self, from: Data(run.stdout.utf8)).summary
        let pairs = Dictionary(uniqueKeysWithValues: summary.pairs.map { ($0.tasks.joined(separator: "+"), $0) })
        #expect(pairs["beta+gamma"]?.decidingSignal == "topEnergy")
        #expect(pairs["alpha+gamma"]?.decidingSignal == "residual")
        #expect(pairs["alpha+beta"]?.decidingSignal == nil && pairs["alpha+beta"]?.level == .mergeable)
        for pair in summary.pairs {
            #expect(Set(pair.signals.map(\.name)) == ["residual", "cosine", "topEnergy"])
            #expect(pair.signals.map(\.level).max() == pair.level)
            #expect(pair.signals.allSatisfy { $0.reason.hasPrefix(pair.tasks.joined(separator: " + ") + ": ") })
        }
        let plan = try #require(summary.plan)
        for group in plan.groups + plan.largestMergeable {
            #expect(!group.signals.isEmpty && group.signals.map(\.level).max() == group.level && group.decidingSignal == nil)
        }
        // The raw document spells the new keys as docs/json.md does.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let rawPairs = try #require((object["summary"] as? [String: Any])?["pairs"] as? [[String: Any]])
        #expect(rawPairs.contains { $0["decidingSignal"] as? String == "topEnergy" } && rawPairs.allSatisfy { $0["signals"] is [Any] })
    }

    @Test func csvCarriesTheReasonLambdaRetentionAndThePlan() throws {
        let run = try Self.plan("csv")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        // With --plan the six per-method columns follow (MergeablePlanMethodsTests checks them).
        #expect(lines.first == "merge,signal,level,value,subject,reason,lambda_star,expected_kept,w_star,method,coefficient,residual,best_coefficient,best_residual,command")
        let pair = try #require(lines.first { $0.contains(",pair,") && $0.contains("beta + gamma") })
        #expect(pair.contains("beta + gamma: task gamma writes 67.1% of its update into the pretrained top zone"), "\(pair)")
        let pairFields = pair.split(separator: ",", omittingEmptySubsequences: false).dropLast(6).suffix(3).map(String.init)
        #expect(Double(pairFields[0]) != nil && Double(pairFields[1]) != nil && pairFields[2].isEmpty, "λ*, expected kept: \(pair)")
        let group = try #require(lines.first { $0.contains(",group,") })
        let weights = group.split(separator: ",", omittingEmptySubsequences: false).dropLast(6).last!.split(separator: " ")
        #expect(weights.count == 2 && weights.allSatisfy { Double($0) != nil }, "w* of both members: \(group)")
        #expect(lines.contains { $0.contains(",subset,") } && lines.contains { $0.hasPrefix("SMILE expert,expert,") && $0.contains(",gamma,") })
    }
}
