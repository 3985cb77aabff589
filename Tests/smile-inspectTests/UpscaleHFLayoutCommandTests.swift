import Analysis
import Foundation
import Testing

/// `smile-inspect upscale --layout hf` on the real MiniLM slices: the files a transformers loader needs, the
/// JSON report's layout, and one line (nothing written) for a checkpoint missing a layer.
@Suite(.enabled(if: CommandRunner.executable != nil && TestPaths.miniLM != nil, "needs the binary and ../shared/models/minilm-l6"))
struct UpscaleHFLayoutCommandTests {
    /// `upscale --base … --models …` over copies of the slices; their configs declare `layers` layers when given.
    static func arguments(_ root: URL, layers: Int?) throws -> [String] {
        var paths = [String]()
        for name in ["base", "full-mansec", "full-codelang", "full-pyeco"] {
            let target = root.appendingPathComponent(name)
            try FileManager.default.copyItem(at: TestPaths.miniLM!.appendingPathComponent(name), to: target)
            if let layers {
                let url = target.appendingPathComponent("config.json")
                var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
                config["num_hidden_layers"] = layers
                try JSONSerialization.data(withJSONObject: config).write(to: url)
            }
            paths.append(target.path)
        }
        return ["upscale", "--base", paths[0], "--models"] + paths.dropFirst() + ["--quiet", "--layout", "hf"]
    }

    @Test func writesAModelDirectoryWithItsModelingFile() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("smile")
        let run = try CommandRunner.run(try Self.arguments(root, layers: 1) + ["--out", out.path, "--k", "8", "--gate-k", "2", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let config = try #require(report["config"] as? [String: Any])
        #expect(config["layout"] as? String == "hf")
        let files = try #require(config["files"] as? [String])
        #expect(Set(files).isSuperset(of: ["model.safetensors", "config.json", "modeling_smile.py"]))
        for file in files + ["smile_config.json", "README.md"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        let written = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Any])
        #expect(written["model_type"] as? String == "smile_bert" && (written["auto_map"] as? [String: String])?["AutoModel"] == "modeling_smile.SmileBertModel")
    }

    @Test func sequenceRoutingIsRecorded() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("smile")
        let run = try CommandRunner.run(try Self.arguments(root, layers: 1) + ["--out", out.path, "--k", "8", "--routing", "sequence", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect((report["config"] as? [String: Any])?["routing"] as? String == "sequence")
        let written = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Any])
        #expect(written["smile_routing"] as? String == "sequence")
    }

    @Test(arguments: [
        (["--routing", "sequence", "--layout", "fusionbench-hf"], "--routing sequence needs --layout hf"),
        (["--routing", "sequence", "--top-k", "2"], "--top-k must be 1, got 2"),
        (["--routing", "sentence"], "--routing must be token or sequence, got \"sentence\""),
    ])
    func sequenceRoutingItCannotExpressIsOneUsageLine(flags: [String], message: String) throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("smile")
        // A later --layout overrides the arguments' hf.
        let run = try CommandRunner.run(try Self.arguments(root, layers: 1) + ["--out", out.path] + flags)
        #expect(run.status == 64, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage") && !$0.hasPrefix("  See") && !$0.isEmpty }
        #expect(lines.count == 1 && run.stderr.contains(message), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func aBudgetKeepsEachModulesRanks() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("smile")
        let run = try CommandRunner.run(try Self.arguments(root, layers: 1) + ["--out", out.path, "--budget", "0.5", "--probe-samples", "0", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let modules = try #require((report["config"] as? [String: Any])?["modules"] as? [[String: Any]])
        let written = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Any])
        let ranks = try #require(written["smile_module_ranks"] as? [String: [Int]], "the budget gives the six projections different ranks")
        #expect(ranks.count == 6 && modules.count == 6)
        let checkpoint = try Checkpoint(url: out)
        for module in modules {
            let name = try #require(module["module"] as? String), k = try #require(module["k"] as? Int), g = try #require(module["gateK"] as? Int)
            #expect(ranks[name] == [k, g], "\(name)")
            #expect(checkpoint.info("\(name).experts.1.u")?.shape == [module["outFeatures"] as? Int ?? 0, k], "\(name)")
            #expect(checkpoint.info("\(name).gate.weight")?.shape == [3 * g, module["inFeatures"] as? Int ?? 0], "\(name)")
        }
        #expect(written["rank_of_expert"] as? Int == ranks.values.map { $0[0] }.max())
    }

    @Test func aBudgetBelowTheRoutersIsOneLine() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("smile")
        let run = try CommandRunner.run(try Self.arguments(root, layers: 1) + ["--out", out.path, "--budget", "0.0001"])
        #expect(run.status != 0)
        let lines = run.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage") && !$0.hasPrefix("  See") && !$0.isEmpty }
        #expect(lines.count == 1 && run.stderr.contains("--budget 0.0001 is below the routers' own cost"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func aMissingLayerIsOneLine() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("smile")
        let run = try CommandRunner.run(try Self.arguments(root, layers: nil) + ["--out", out.path])
        #expect(run.status == 3, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage") && !$0.hasPrefix("  See") && !$0.isEmpty }
        #expect(lines.count == 1 && run.stderr.contains("encoder.layer.1.attention.self.query.weight"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
