import Analysis
import Foundation
import Testing

@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct ModelCommandTests {
    @Test func includeFilterAndAtomicOutputFile() throws {
        let demo = try DemoFamilyRun.shared.get()
        let out = try TestPaths.temporaryDirectory().appendingPathComponent("report.json")
        let run = try CommandRunner.run(["model", "--quiet", "--base", demo.base, "--models", demo.model("alpha"), demo.model("gamma"),
                                         "--include", "attention", "--format", "json", "-o", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        let report = try JSONDecoder().decode(FamilyReport.self, from: Data(contentsOf: out))
        #expect(report.layers.count == 4)
        #expect(report.layers.allSatisfy { $0.name.contains("attention") })
        #expect(report.tensors.isEmpty)
    }

    @Test func csvHasOneRowPerLayerAndTask() throws {
        let demo = try DemoFamilyRun.shared.get()
        let run = try CommandRunner.run(["model", "--quiet", "--base", demo.base, "--models", demo.model("alpha"), demo.model("beta"), "--format", "csv"])
        #expect(run.status == 0)
        #expect(run.stdout.split(separator: "\n").count == 1 + 8 * 2)
    }

    @Test func invalidPatternIsAUsageError() throws {
        let demo = try DemoFamilyRun.shared.get()
        let run = try CommandRunner.run(["model", "--base", demo.base, "--models", demo.model("alpha"), "--include", "(unclosed"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("(unclosed"))
    }
}
