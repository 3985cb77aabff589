import Analysis
import Foundation
import Testing

/// `smile-inspect check` (exit 0 / 1 / 2 / 3, every format, `--mergekit`) and the same check run first by
/// `model`, `mergeable` and `upscale`: an incompatible family stops them with the check's line before any
/// weight is read; warnings reach their reports and JSON (`compatibility`).
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct CheckCommandTests {
    /// A Llama-shaped family beside the tokenizer/config fixtures of `reference/tokenizer_fixtures.py`:
    /// `base`; `same` (the base's side files, weights perturbed); `template` (another chat template);
    /// `short` (layer 1 missing); `resized` (layer 1 missing, embed_tokens and lm_head of 310 rows, as
    /// after added tokens); `morse` (a tokenizer.json of unknown kind).
    struct Family {
        var directory: URL
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    }

    static let family: Result<Family, Error> = Result {
        let directory = try TestPaths.temporaryDirectory()
        let fixtures = TestPaths.repositoryRoot.appendingPathComponent("Tests/AnalysisTests/Fixtures/compatibility")
        func write(_ label: String, variant: String, layers: Int = 2, vocabulary: Int = 300, noise: Float) throws {
            let target = directory.appendingPathComponent(label)
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            for name in try FileManager.default.contentsOfDirectory(atPath: fixtures.appendingPathComponent(variant).path) {
                try FileManager.default.copyItem(at: fixtures.appendingPathComponent(variant).appendingPathComponent(name), to: target.appendingPathComponent(name))
            }
            try SafetensorsWriter.write(tensors(layers: layers, vocabulary: vocabulary, noise: noise), to: target.appendingPathComponent("model.safetensors"))
        }
        try write("base", variant: "base", noise: 0)
        try write("same", variant: "base", noise: 0.01)
        try write("template", variant: "template", noise: -0.01)
        try write("short", variant: "base", layers: 1, noise: 0.01)
        try write("resized", variant: "base", layers: 1, vocabulary: 310, noise: -0.02)
        try write("morse", variant: "base", noise: 0.01)
        try #"{"model": {"type": "Morse", "vocab": {}}}"#.write(to: directory.appendingPathComponent("morse/tokenizer.json"), atomically: true, encoding: .utf8)
        return Family(directory: directory)
    }

    /// Deterministic weights of the fixture config's shapes, shifted by `noise` times a second pattern.
    static func tensors(layers: Int, vocabulary: Int = 300, noise: Float) -> [String: Tensor] {
        func tensor(_ shape: [Int], _ seed: Int) -> Tensor {
            Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { i in sin(Float(i * 7 + seed)) * 0.1 + noise * cos(Float(i * 13 + seed)) })
        }
        var result = ["model.embed_tokens.weight": tensor([vocabulary, 64], 1), "lm_head.weight": tensor([vocabulary, 64], 2), "model.norm.weight": tensor([64], 3)]
        let shapes: [(String, [Int])] = [
            ("self_attn.q_proj.weight", [64, 64]), ("self_attn.k_proj.weight", [32, 64]), ("self_attn.v_proj.weight", [32, 64]),
            ("self_attn.o_proj.weight", [64, 64]), ("mlp.gate_proj.weight", [128, 64]), ("mlp.up_proj.weight", [128, 64]),
            ("mlp.down_proj.weight", [64, 128]), ("input_layernorm.weight", [64]), ("post_attention_layernorm.weight", [64]),
        ]
        for layer in 0..<layers {
            for (offset, (name, shape)) in shapes.enumerated() { result["model.layers.\(layer).\(name)"] = tensor(shape, 10 * layer + offset + 4) }
        }
        return result
    }

    static func run(_ arguments: [String]) throws -> CommandRunner.Result { try CommandRunner.run(arguments) }

    @Test func exitStatusFollowsTheWorstFinding() throws {
        let f = try Self.family.get()
        let same = try Self.run(["check", "--base", f.path("base"), "--models", f.path("same")])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        #expect(same.stdout.contains("Compatible: 0 incompatible, 0 warning(s)"))
        let warned = try Self.run(["check", "--base", f.path("base"), "--models", f.path("same"), f.path("template")])
        #expect(warned.status == 1)
        #expect(warned.stdout.contains("template/chat_template.jinja: warning: the chat template differs from the base's"))
        let broken = try Self.run(["check", "--base", f.path("base"), "--models", f.path("template"), f.path("short")])
        #expect(broken.status == 2)
        #expect(broken.stdout.contains("9 of the base's 21 tensors are missing (layer 1)"))
        #expect(broken.stderr.isEmpty)
    }

    @Test func everyFormatCarriesTheFindings() throws {
        let f = try Self.family.get()
        let family = ["check", "--base", f.path("base"), "--models", f.path("template"), f.path("short")]
        let json = try Self.run(family + ["--format", "json"])
        let report = try JSONDecoder().decode(CompatibilityReport.self, from: Data(json.stdout.utf8))
        #expect(report.status == .incompatible && report.models.map(\.status) == [.warnings, .incompatible])
        #expect(report.models[0].tokenizer?.chatTemplateIdentical == false && report.models[0].tokenizer?.relation == .identical)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        #expect(object["command"] as? String == "check" && object["schemaVersion"] as? Int == 1)
        let csv = try Self.run(family + ["--format", "csv"])
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first == "model,severity,aspect,key,base_value,model_value,file,message")
        #expect(lines.count == 1 + report.models.map(\.findings.count).reduce(0, +))
        #expect(lines.contains { $0.hasPrefix("short,incompatible,tensors,") })
        let markdown = try Self.run(family + ["--format", "markdown"])
        #expect(markdown.stdout.hasPrefix("## Compatibility with") && markdown.stdout.contains("| template | full | warnings |"))
        let output = try TestPaths.temporaryDirectory().appendingPathComponent("check.json")
        let written = try Self.run(family + ["--format", "json", "-o", output.path])
        #expect(written.status == 2 && written.stdout.isEmpty)
        #expect(try JSONDecoder().decode(CompatibilityReport.self, from: Data(contentsOf: output)) == report)
    }

    @Test func mergekitConfigNamesTheFamily() throws {
        let f = try Self.family.get()
        let config = try TestPaths.temporaryDirectory().appendingPathComponent("merge.yml")
        try "merge_method: task_arithmetic\nbase_model: \(f.path("base"))\nmodels:\n  - model: \(f.path("same"))\n    parameters: {weight: 0.5}\n  - model: \(f.path("template"))\n    parameters: {weight: 0.5}\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let run = try Self.run(["check", "--mergekit", config.path, "--format", "json"])
        #expect(run.status == 1, "\(run.stderr)")
        let report = try JSONDecoder().decode(CompatibilityReport.self, from: Data(run.stdout.utf8))
        #expect(report.models.map(\.name) == ["same", "template"])
    }

    @Test func badInputIsOneLineAndExitThree() throws {
        let f = try Self.family.get()
        let run = try Self.run(["check", "--base", f.path("base"), "--models", f.path("morse")])
        #expect(run.status == 3 && run.stdout.isEmpty)
        #expect(run.stderr == "error: \(f.path("morse"))/tokenizer.json: invalid tokenizer: unknown tokenizer model type \"Morse\" (known: BPE, WordPiece, WordLevel, Unigram)\n")
        let usage = try Self.run(["check", "--base", f.path("base")])
        #expect(usage.status == 64)
    }

    @Test func helpHasExamples() throws {
        let help = try Self.run(["check", "--help"])
        #expect(help.status == 0 && help.stdout.contains("EXAMPLES:") && help.stdout.contains("smile-inspect check --mergekit ties.yml"))
    }

    @Test func analysesStopOnAnIncompatibleFindingBeforeReadingWeights() throws {
        let f = try Self.family.get()
        let out = try TestPaths.temporaryDirectory().appendingPathComponent("moe")
        for command in [["model"], ["mergeable"], ["upscale", "--out", out.path]] {
            let run = try Self.run(command + ["--quiet", "--base", f.path("base"), "--models", f.path("same"), f.path("short")])
            #expect(run.status == 3, "\(command[0]): \(run.stderr)")
            #expect(run.stdout.isEmpty)
            #expect(run.stderr.hasPrefix("error: short: \(f.path("short"))/model.safetensors: incompatible: 9 of the base's 21 tensors are missing (layer 1)"), "\(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1)
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// A fine-tune that saved only some layers (here: not layer 1; `resized` also has grown embeddings)
    /// is analysed by a run whose `--include/--exclude` leave the rest out: a tensor missing or reshaped
    /// outside the selection is a note, inside it the run is refused as before; `check` (no selection)
    /// keeps its verdict.
    @Test func aSelectionLeavingOutTheMissingTensorsIsNotRefused() throws {
        let f = try Self.family.get()
        let family = ["--quiet", "--base", f.path("base"), "--models", f.path("same"), f.path("short"), f.path("resized")]
        let layer0 = ["--include", #"layers\.0\."#]
        struct Checked: Decodable { var compatibility: CompatibilityReport }
        let model = try Self.run(["model"] + family + layer0 + ["--format", "json"])
        #expect(model.status == 0, "\(model.stderr)")
        let compatibility = try JSONDecoder().decode(Checked.self, from: Data(model.stdout.utf8)).compatibility
        #expect(compatibility.status == .compatible && compatibility.models.map(\.status) == [.compatible, .compatible, .compatible])
        let notes = compatibility.models[2].findings.filter { $0.aspect == .tensors }.map(\.message)
        #expect(notes.contains { $0.hasPrefix(#"9 of the base's 21 tensors are missing (layer 1), all outside the selection --include 'layers\.0\.'"#) }, "\(notes)")
        #expect(notes.contains { $0.hasPrefix(#"2 tensor(s) outside the selection --include 'layers\.0\.' have other shapes"#) }, "\(notes)")
        let report = try JSONSerialization.jsonObject(with: Data(model.stdout.utf8)) as! [String: Any]
        #expect((report["layers"] as? [[String: Any]])?.count == 7)
        let refused = try Self.run(["model"] + family)
        #expect(refused.status == 3 && refused.stdout.isEmpty)
        #expect(refused.stderr.hasPrefix("error: short: \(f.path("short"))/model.safetensors: incompatible: 9 of the base's 21 tensors are missing (layer 1)"), "\(refused.stderr)")
        // Inside the selection, a reshaped tensor still stops the run.
        let embeddings = try Self.run(["model"] + family + ["--exclude", #"layers\.1\."#])
        #expect(embeddings.status == 3)
        #expect(embeddings.stderr.contains("incompatible: tensor \"lm_head.weight\" has shape [310, 64] here but [300, 64] in the base"), "\(embeddings.stderr)")
        let mergeable = try Self.run(["mergeable"] + family + layer0)
        #expect([0, 1, 2].contains(mergeable.status), "\(mergeable.stderr)")
        let out = try TestPaths.temporaryDirectory().appendingPathComponent("moe")
        let upscale = try Self.run(["upscale"] + family + layer0 + ["--out", out.path, "--k", "2", "--probe-samples", "0"])
        #expect(upscale.status == 0, "\(upscale.stderr)")
        // A whole-model merge (mergekit configs) reads every tensor: the selection does not apply.
        let emit = try Self.run(["mergeable"] + family + layer0 + ["--emit-mergekit", out.deletingLastPathComponent().appendingPathComponent("mk").path])
        #expect(emit.status == 3, "\(emit.stderr)")
        let check = try Self.run(["check", "--base", f.path("base"), "--models", f.path("short")])
        #expect(check.status == 2)
    }

    @Test func warningsReachTheMergeReportsAndTheirJSON() throws {
        let f = try Self.family.get()
        let family = ["--quiet", "--base", f.path("base"), "--models", f.path("same"), f.path("template")]
        struct Checked: Decodable { var compatibility: CompatibilityReport }
        for command in ["model", "mergeable"] {
            let json = try Self.run([command] + family + ["--format", "json"])
            #expect([0, 1, 2].contains(json.status), "\(command): \(json.stderr)")
            let checked = try JSONDecoder().decode(Checked.self, from: Data(json.stdout.utf8))
            #expect(checked.compatibility.status == .warnings, "\(command)")
            #expect(checked.compatibility.models[1].findings.map(\.key) == ["chat_template"])
            #expect(json.stderr.contains("warning: template: \(f.path("template"))/chat_template.jinja: warning: the chat template differs"))
            let text = try Self.run([command] + family)
            #expect(text.stdout.contains("template: \(f.path("template"))/chat_template.jinja: warning: the chat template differs"), "\(command)")
        }
        let out = try TestPaths.temporaryDirectory().appendingPathComponent("moe")
        let upscale = try Self.run(["upscale"] + family + ["--out", out.path, "--k", "2", "--probe-samples", "0", "--format", "json"])
        #expect(upscale.status == 0, "\(upscale.stderr)")
        #expect(try JSONDecoder().decode(Checked.self, from: Data(upscale.stdout.utf8)).compatibility.status == .warnings)
    }
}
