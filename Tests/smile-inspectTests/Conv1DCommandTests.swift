import Analysis
import Foundation
import Testing

/// The commands on a GPT-2-shaped family: Conv1D weights are reported as analysed transposed, the JSON
/// field that says so is documented, `--transposed` gives the same result without config.json, and
/// `upscale` refuses with the reason.
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct Conv1DCommandTests {
    /// base (with config.json model_type gpt2 unless `withConfig` is false) and two full fine-tunes.
    static func family(withConfig: Bool = true) throws -> (root: URL, arguments: [String]) {
        let root = try TestPaths.temporaryDirectory()
        var generator = SplitMix64(seed: 3)
        var base = [String: Tensor]()
        for (name, shape) in [("h.0.attn.c_attn.weight", [8, 24]), ("h.0.mlp.c_fc.weight", [8, 32]), ("h.0.mlp.c_proj.weight", [32, 8])] {
            base[name] = Tensor(generator.gaussianMatrix(shape[0], shape[1]))
        }
        for (name, tensors) in [("base", base)] + [("a", 0.05), ("b", 0.08)].map({ name, scale in
            // Noise drawn in sorted-name order: a Dictionary's own order differs between instances, and
            // two calls must write the same family.
            (name, Dictionary(uniqueKeysWithValues: base.keys.sorted().map { key in
                let tensor = base[key]!
                return (key, Tensor(shape: tensor.shape, values: zip(tensor.values, generator.gaussianMatrix(1, tensor.values.count, scale: Float(scale)).elements).map { $0 + $1 }))
            }))
        }) {
            let directory = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try SafetensorsWriter.write(tensors, to: directory.appendingPathComponent("model.safetensors"))
        }
        if withConfig { try Data(#"{"model_type": "gpt2"}"#.utf8).write(to: root.appendingPathComponent("base/config.json")) }
        return (root, ["--base", root.appendingPathComponent("base").path, "--models", root.appendingPathComponent("a").path, root.appendingPathComponent("b").path])
    }

    @Test func modelReportsSayTheConv1DWeightsWereAnalysedTransposed() throws {
        let (_, arguments) = try Self.family()
        let text = try CommandRunner.run(["model"] + arguments + ["--quiet"])
        #expect(text.status == 0 || text.status == 1 || text.status == 2, "\(text.stderr)")
        #expect(text.stdout.contains("3 weight(s) are stored in × out (3 by transformers Conv1D of model_type gpt2)"))
        #expect(text.stdout.contains("24×8ᵀ") && text.stdout.contains("ᵀ: stored in × out"))
        let json = try CommandRunner.run(["model"] + arguments + ["--quiet", "--format", "json"])
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8))
        let layers = try #require((document as? [String: Any])?["layers"] as? [[String: Any]])
        #expect(layers.allSatisfy { $0["transposed"] as? Bool == true })
        #expect(layers.first { $0["name"] as? String == "h.0.attn.c_attn.weight" }?["rows"] as? Int == 24)
        var seen = Set<String>()
        #expect(try JSONContractTests.contract().check(document, as: "ModelDocument", seen: &seen).isEmpty)
        #expect(seen.contains("LayerAnalysis.transposed"))
    }

    @Test func theTransposedOptionSaysTheSameWithoutConfig() throws {
        let detected = try CommandRunner.run(["layer"] + Self.family().arguments + ["--layer", "c_fc", "--format", "csv"])
        let (_, arguments) = try Self.family(withConfig: false)
        let named = try CommandRunner.run(["layer"] + arguments + ["--layer", "c_fc", "--format", "csv", "--transposed", #"c_(attn|fc|proj)\.weight$"#])
        let plain = try CommandRunner.run(["layer"] + arguments + ["--layer", "c_fc", "--format", "csv"])
        #expect(detected.stdout == named.stdout, "\(named.stderr)")
        #expect(detected.stdout.contains(",32,8,") && plain.stdout.contains(",8,32,"))
        #expect(named.stdout.split(separator: "\n").dropFirst().allSatisfy { $0.hasSuffix(",true") })
    }

    @Test func upscaleRefusesConv1DWeightsNamingTheWayOut() throws {
        let (root, arguments) = try Self.family()
        let run = try CommandRunner.run(["upscale"] + arguments + ["--out", root.appendingPathComponent("moe").path, "--quiet"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("FusionBench's SMILE upscaling replaces nn.Linear modules only") && run.stderr.contains("--exclude"))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("moe").path))
    }
}
