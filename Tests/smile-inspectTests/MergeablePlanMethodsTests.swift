import Analysis
import Foundation
import Testing

/// `mergeable --plan`'s per-method table through the real binary: text, JSON and CSV agree, the
/// recommendation is ``MergeRecommendation``'s with the exact `merge` command, a report from the store alone
/// equals the one computed, and a store written without `--plan` is refused in one line (exit 3) until a run
/// with the inputs adds the sums.
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct MergeablePlanMethodsTests {
    struct Document: Decodable { var methods: MethodResidualTable? }
    static let names = ["alpha", "beta", "gamma"]

    static func family() throws -> [String] {
        let demo = try DemoFamilyRun.shared.get()
        return ["--base", demo.base, "--models"] + names.map(demo.model)
    }

    static func methods(_ run: CommandRunner.Result) throws -> MethodResidualTable {
        #expect([0, 1, 2].contains(run.status), "\(run.stderr)")
        return try #require(try JSONDecoder().decode(Document.self, from: Data(run.stdout.utf8)).methods)
    }

    @Test func textJSONAndCSVCarryTheTableAndTheRecommendation() throws {
        let family = try Self.family()
        let table = try Self.methods(try CommandRunner.run(["mergeable", "--quiet", "--plan", "--format", "json"] + family))
        #expect(table.rows.map(\.method) == MergeMethod.allCases)
        let kinds = family.dropFirst(3).map { ModelKind.detect(URL(fileURLWithPath: $0)) }
        let recommended = MergeRecommendation.recommended(kinds: kinds)
        #expect(table.recommendation == recommended)
        #expect(table.command == MergeCommandLine.merge(base: family[1], models: Array(family.dropFirst(3)), method: recommended.method, coefficient: recommended.coefficient))
        for row in table.rows {
            #expect(row.coefficient == row.method.defaultCoefficient(allLoRA: kinds.allSatisfy { $0 == .lora }))
            let defined = row.residuals.compactMap { $0 }
            #expect(abs(row.residual - defined.reduce(0, +) / Double(defined.count)) < 1e-12)
            if let best = row.bestResidual { #expect(best <= row.residual + 1e-12, "c* minimises L: \(row.method)") }
            #expect((row.expectedKept != nil) == (row.method == .taskArithmetic))
        }
        // Without --plan nothing of it is computed or written.
        let plain = try CommandRunner.run(["mergeable", "--quiet", "--format", "json"] + family)
        #expect(try JSONDecoder().decode(Document.self, from: Data(plain.stdout.utf8)).methods == nil)

        let text = try CommandRunner.run(["mergeable", "--quiet", "--plan"] + family)
        #expect(text.stdout.contains("Merging methods (alpha + beta + gamma"))
        for row in table.rows { #expect(text.stdout.contains("\(row.method.rawValue) (\(row.method.displayName))")) }
        #expect(text.stdout.contains("not methods on one merge"))
        #expect(text.stdout.contains("Recommended: \(recommended.method.displayName) at"))
        #expect(text.stdout.contains("Write it: \(table.command)"))

        let csv = try CommandRunner.run(["mergeable", "--quiet", "--plan", "--format", "csv"] + family)
        let lines = csv.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasSuffix(",method,coefficient,residual,best_coefficient,best_residual,command") == true)
        // The method columns are the last six, free of commas.
        let methodRows = lines.dropFirst().filter { $0.contains(",method,") }.map { $0.split(separator: ",", omittingEmptySubsequences: false).suffix(6).map(String.init) }
        #expect(methodRows.map { $0[0] } == MergeMethod.allCases.map(\.rawValue))
        for (fields, row) in zip(methodRows, table.rows) {
            #expect(Double(fields[1]) == row.coefficient && Double(fields[2]) == row.residual)
            #expect(Double(fields[3]) == row.bestCoefficient && Double(fields[4]) == row.bestResidual)
        }
        let recommendation = try #require(lines.first { $0.contains(",recommendation,") })
        #expect(recommendation.hasSuffix(",\(recommended.method.rawValue),\(recommended.coefficient),\(table.recommendedResidual),,,\(table.command)"))
    }

    @Test func aStoreRebuildsTheTableAndAStoreWithoutItIsRefused() throws {
        let family = try Self.family()
        let directory = try TestPaths.temporaryDirectory()
        let store = directory.appendingPathComponent("store").path
        let computed = try Self.methods(try CommandRunner.run(["mergeable", "--quiet", "--plan", "--format", "json", "--store", store] + family))
        let stored = try Self.methods(try CommandRunner.run(["mergeable", "--quiet", "--plan", "--format", "json", "--store", store]))
        #expect(stored == computed)

        let plainStore = directory.appendingPathComponent("plain").path
        #expect([0, 1, 2].contains(try CommandRunner.run(["mergeable", "--quiet", "--store", plainStore] + family).status))
        let refused = try CommandRunner.run(["mergeable", "--quiet", "--plan", "--store", plainStore])
        #expect(refused.status == 3)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.split(separator: "\n").count == 1 && refused.stderr.contains("no per-method residuals"), "\(refused.stderr)")
        // A run with the inputs recomputes the records lacking the sums; then the store alone serves --plan.
        let added = try CommandRunner.run(["mergeable", "--plan", "--format", "json", "--store", plainStore] + family)
        #expect(try Self.methods(added) == computed)
        #expect(added.stderr.contains("recomputed"), "\(added.stderr)")
        #expect(try Self.methods(try CommandRunner.run(["mergeable", "--quiet", "--plan", "--format", "json", "--store", plainStore])) == computed)
    }
}

/// The table on the real all-MiniLM-L6-v2 family: task arithmetic's c* is the verdict's λ* (the same
/// quadratic, summed two ways), and every method's residual is 1 at c = 0 by construction.
@Suite(.enabled(if: CommandRunner.executable != nil && TestPaths.miniLM != nil, "needs the binary and ../shared/models/minilm-l6"))
struct MiniLMPlanMethodsTests {
    struct Document: Decodable {
        var summary: FamilySummary
        var methods: MethodResidualTable?
    }

    @Test(arguments: ["full", "lora"])
    func taskArithmeticsBestCoefficientIsLambdaStar(kind: String) throws {
        let root = TestPaths.miniLM!
        let models = ["mansec", "codelang", "pyeco"].map { root.appendingPathComponent("\(kind)-\($0)").path }
        let run = try CommandRunner.run(["mergeable", "--quiet", "--plan", "--format", "json", "--base", root.appendingPathComponent("base").path, "--models"] + models)
        #expect([0, 1, 2].contains(run.status), "\(run.stderr)")
        let document = try JSONDecoder().decode(Document.self, from: Data(run.stdout.utf8))
        let table = try #require(document.methods)
        let lambda = try #require(document.summary.interference?.all.lambdaStar)
        let ta = table.rows[0]
        #expect(ta.method == .taskArithmetic)
        #expect(abs(try #require(ta.bestCoefficient) - lambda) < 1e-4 * lambda, "c* \(ta.bestCoefficient ?? 0) vs λ* \(lambda)")
        #expect(abs(try #require(ta.bestResidual) - document.summary.interference!.all.meanResidual) < 1e-4)
        #expect(table.recommendation == MergeRecommendation.recommended(kinds: Array(repeating: kind == "lora" ? .lora : .full, count: 3)))
        #expect(table.rows.allSatisfy { $0.bestCoefficient.map { $0 > 0 } ?? false })
    }
}
