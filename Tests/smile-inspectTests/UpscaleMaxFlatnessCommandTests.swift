import Analysis
import Foundation
import Testing

/// `smile-inspect upscale --max-flatness F`: flat layers hold their shared path alone and the report and
/// smile_config.json say which and why; a bad F is one usage line (exit 64) and writes nothing.
@Suite struct UpscaleMaxFlatnessCommandTests {
    static func family(_ root: URL) throws -> [String] {
        let paths = try DemoFamily.write(to: root.appendingPathComponent("family"))
        return ["upscale", "--base", paths.base.path, "--models"] + paths.models.map(\.path) + ["--quiet", "--probe-samples", "0"]
    }

    @Test func recordsTheSharedOnlyLayers() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("smile")
        let run = try CommandRunner.run(try Self.family(root) + ["--out", out.path, "--budget", "0.5", "--max-flatness", "0.5"])
        #expect(run.status == 0, "\(run.stderr)")
        let config = try SmileConfig.decode(Data(contentsOf: out.appendingPathComponent(SmileConfig.fileName)))
        let shared = try #require(config.sharedOnly)
        #expect(config.maxFlatness == 0.5)
        #expect(shared.allSatisfy { $0.flatness > 0.5 } && config.modules.allSatisfy { ($0.flatness ?? 1) <= 0.5 })
        #expect(shared.count + config.modules.count == 8)
        #expect(run.stdout.contains("shared path alone (flatness above --max-flatness 0.5): \(shared.count)"))
        let json = try CommandRunner.run(try Self.family(root) + ["--out", out.path, "--force", "--max-flatness", "0.5", "--k", "2", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let body = try #require(object["config"] as? [String: Any])
        #expect(body["maxFlatness"] as? Double == 0.5 && (body["sharedOnly"] as? [Any])?.count == shared.count)
    }

    @Test func badLimitIsOneUsageLineAndWritesNothing() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("smile")
        let base = try Self.family(root) + ["--out", out.path]
        for bad in ["0", "-0.2", "1.5", "nan", "abc"] {
            let run = try CommandRunner.run(base + ["--max-flatness", bad])
            #expect(run.status == 64, "\(bad): \(run.status)")
            // ArgumentParser's usage lines (and, for a value that is not a number, its "Help:" line) aside.
            let lines = run.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage") && !$0.hasPrefix("  See") && !$0.hasPrefix("Help:") && !$0.isEmpty }
            #expect(lines.count == 1 && run.stderr.contains("--max-flatness"), "\(bad): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path), "\(bad) left output behind")
        }
    }
}
