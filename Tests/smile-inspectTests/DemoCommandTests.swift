import Analysis
import Foundation
import Testing

@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct DemoCommandTests {
    @Test func demoWritesItsFamilyReportsAndFiguresFromACleanFolder() throws {
        let run = try DemoFamilyRun.shared.get()
        #expect(run.result.status == 0, "\(run.result.stderr)")
        for file in ["report.txt", "report.md", "report.json", "layers.csv", "layer-query-0.txt",
                     "models/base/model.safetensors", "models/alpha/model.safetensors",
                     "models/beta/adapter_config.json", "models/beta/adapter_model.safetensors", "models/gamma/model.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: run.directory.appendingPathComponent(file).path), "missing \(file)")
        }
        let figures = try FileManager.default.contentsOfDirectory(atPath: run.directory.appendingPathComponent("figures").path)
        #expect(figures.filter { $0.hasSuffix(".png") }.count >= 8)
        let report = try JSONDecoder().decode(FamilyReport.self, from: Data(contentsOf: run.directory.appendingPathComponent("report.json")))
        #expect(report.taskNames == ["alpha", "beta", "gamma"])
        #expect(report.summary.verdict?.level == .notMergeable)
        #expect(run.result.stdout.contains("NOT MERGEABLE"))
        #expect(run.result.stdout.contains("smile-inspect model --base"))
    }

    @Test func demoLeavesNoTemporaryFiles() throws {
        let run = try DemoFamilyRun.shared.get()
        let all = FileManager.default.enumerator(atPath: run.directory.path)?.allObjects as? [String] ?? []
        #expect(!all.contains { $0.contains(".tmp") }, "\(all.filter { $0.contains(".tmp") })")
    }
}
