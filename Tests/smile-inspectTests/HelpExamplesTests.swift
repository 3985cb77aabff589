import Analysis
import Foundation
import Testing

/// Help examples are tests: every `smile-inspect …` line under EXAMPLES in every subcommand's help is read
/// from the commands' configuration (`--experimental-dump-help`, the discussion text as written) and run,
/// in the order the help lists commands and examples, in one working directory holding a fixture family
/// under the names the examples use — as a user trying them one after another would. Each must exit 0
/// (`mergeable`: 0, 1 or 2, its verdict), and each must appear unbroken in the 80-column `--help` text so
/// that it can be copied.
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct HelpExamplesTests {
    /// One example: the command it belongs to, its text as in the help, and its arguments after `smile-inspect`.
    struct Example: CustomStringConvertible {
        var command: String
        var text: String
        var lines: [String]
        var arguments: [String]
        var description: String { text }
    }

    /// The subcommands and their examples, from the configuration the binary dumps.
    static func examples() throws -> [Example] {
        let dump = try CommandRunner.run(["--experimental-dump-help"])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        let subcommands = try #require((root["command"] as? [String: Any])?["subcommands"] as? [[String: Any]])
        return subcommands.flatMap { command -> [Example] in
            let name = command["commandName"] as? String ?? ""
            let discussion = command["discussion"] as? String ?? ""
            guard let start = discussion.range(of: "EXAMPLES:\n") else { return [] }
            var examples = [Example](), pending: [String] = []
            for line in discussion[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
                if line.trimmingCharacters(in: .whitespaces).isEmpty { break }
                pending.append(String(line))
                guard !line.hasSuffix("\\") else { continue }
                let joined = pending.map { $0.hasSuffix("\\") ? String($0.dropLast()) : $0 }.joined(separator: " ")
                var text = joined.trimmingCharacters(in: .whitespaces)
                if let comment = text.range(of: " #") { text = String(text[..<comment.lowerBound]) }
                if let chained = text.range(of: " && ") { text = String(text[..<chained.lowerBound]) }
                let words = tokens(text)
                if words.first == "smile-inspect" {
                    examples.append(Example(command: name, text: text, lines: pending, arguments: Array(words.dropFirst())))
                }
                pending = []
            }
            return examples
        }
    }

    /// Shell words: whitespace-separated, single quotes kept together and removed.
    static func tokens(_ text: String) -> [String] {
        var words = [String](), current = "", quoted = false, inWord = false
        for character in text {
            if character == "'" { quoted.toggle(); inWord = true; continue }
            if character == " " && !quoted {
                if inWord { words.append(current) }
                current = ""; inWord = false
                continue
            }
            current.append(character); inWord = true
        }
        if inWord { words.append(current) }
        return words
    }

    /// The working directory: the demo family under every name the examples use (`base/`, `a`…`d`,
    /// `full-a`…, `lora-a`…, the MiniLM names of `list`), a tiny Llama family (`llama/`, `llama-a/`,
    /// `llama-b/`), a tiny BERT family (`bert/`, `bert-a/`, `bert-b/`), a ties config `ties.yml`, and a Hugging Face cache holding
    /// `sentence-transformers/all-MiniLM-L6-v2`.
    static func workspace() throws -> (directory: URL, environment: [String: String]) {
        let directory = try TestPaths.temporaryDirectory()
        let fixtures = directory.appendingPathComponent(".fixtures")
        let demo = try DemoFamily.write(to: fixtures.appendingPathComponent("demo"))
        let (alpha, beta, gamma) = (demo.models[0].path, demo.models[1].path, demo.models[2].path)
        let names: [(String, String)] = [
            ("base", demo.base.path), ("a", alpha), ("b", beta), ("c", gamma), ("d", alpha),
            ("full-a", alpha), ("full-b", gamma), ("full-c", alpha), ("lora-a", beta), ("lora-b", beta), ("lora-c", beta),
        ]
        let fm = FileManager.default
        try fm.createDirectory(at: directory.appendingPathComponent("minilm"), withIntermediateDirectories: true)
        for (name, target) in names + [("minilm/base", demo.base.path), ("minilm/full-mansec", alpha), ("minilm/lora-mansec", beta)] {
            try fm.createSymbolicLink(atPath: directory.appendingPathComponent(name).path, withDestinationPath: target)
        }
        let llama = try writeTinyLlama(to: fixtures.appendingPathComponent("llama"))
        for (name, target) in [("llama", llama[0]), ("llama-a", llama[1]), ("llama-b", llama[2])] {
            try fm.createSymbolicLink(atPath: directory.appendingPathComponent(name).path, withDestinationPath: target.path)
        }
        let bert = try writeTinyBert(to: fixtures.appendingPathComponent("bert"))
        for (name, target) in [("bert", bert[0]), ("bert-a", bert[1]), ("bert-b", bert[2])] {
            try fm.createSymbolicLink(atPath: directory.appendingPathComponent(name).path, withDestinationPath: target.path)
        }
        let ties = """
            merge_method: ties
            base_model: base
            models:
              - model: a
                parameters: {weight: 0.5, density: 0.5}
              - model: b
                parameters: {weight: 0.5, density: 0.5}
            """
        try Data(ties.utf8).write(to: directory.appendingPathComponent("ties.yml"))
        let hub = fixtures.appendingPathComponent("hub")
        let repo = hub.appendingPathComponent("models--sentence-transformers--all-MiniLM-L6-v2")
        let commit = String(repeating: "5e", count: 20)
        try fm.createDirectory(at: repo.appendingPathComponent("snapshots/\(commit)"), withIntermediateDirectories: true)
        try fm.createDirectory(at: repo.appendingPathComponent("refs"), withIntermediateDirectories: true)
        try Data(commit.utf8).write(to: repo.appendingPathComponent("refs/main"))
        try fm.copyItem(at: demo.base.appendingPathComponent("model.safetensors"), to: repo.appendingPathComponent("snapshots/\(commit)/model.safetensors"))
        return (directory, ["HF_HUB_CACHE": hub.path])
    }

    /// A deterministic uniform noise source for the tiny fixture families (a 64-bit LCG): each call
    /// returns `count` values in [−scale/2, scale/2) and advances the state.
    struct TinyNoise {
        var state: UInt64

        mutating func callAsFunction(_ count: Int, _ scale: Float) -> [Float] {
            (0..<count).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return scale * (Float(state >> 40) / Float(1 << 24) - 0.5)
            }
        }
    }

    /// Writes `base` to DIR/base and two fine-tunes DIR/ft-a, DIR/ft-b whose `updated` tensors (name,
    /// shape) get small updates (noise scale 0.05, drawn in that order), each directory with `config` as
    /// config.json; returns [base, ft-a, ft-b].
    static func writeTinyFamily(to directory: URL, base: [String: Tensor], updating updated: [(String, [Int])], config: String, noise: inout TinyNoise) throws -> [URL] {
        var urls = [URL]()
        for (index, name) in ["base", "ft-a", "ft-b"].enumerated() {
            var tensors = base
            if index > 0 {
                for (key, shape) in updated {
                    tensors[key] = Tensor(shape: shape, values: zip(base[key]!.values, noise(shape[0] * shape[1], 0.05)).map { $0 + $1 })
                }
            }
            let url = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try SafetensorsWriter.write(tensors, to: url.appendingPathComponent("model.safetensors"))
            try Data(config.utf8).write(to: url.appendingPathComponent("config.json"))
            urls.append(url)
        }
        return urls
    }

    /// A one-layer Llama base (config.json model_type llama) and two fine-tunes with small updates of
    /// every projection; returns [base, ft-a, ft-b].
    static func writeTinyLlama(to directory: URL) throws -> [URL] {
        let (hidden, intermediate, heads, kvHeads, vocab) = (32, 64, 4, 2, 48)
        var noise = TinyNoise(state: 0x5EED)
        let projections: [(String, [Int])] = [
            ("self_attn.q_proj", [hidden, hidden]), ("self_attn.k_proj", [kvHeads * hidden / heads, hidden]), ("self_attn.v_proj", [kvHeads * hidden / heads, hidden]),
            ("self_attn.o_proj", [hidden, hidden]), ("mlp.gate_proj", [intermediate, hidden]), ("mlp.up_proj", [intermediate, hidden]), ("mlp.down_proj", [hidden, intermediate]),
        ]
        var base: [String: Tensor] = [
            "model.embed_tokens.weight": Tensor(shape: [vocab, hidden], values: noise(vocab * hidden, 1)),
            "lm_head.weight": Tensor(shape: [vocab, hidden], values: noise(vocab * hidden, 0.4)),
            "model.norm.weight": Tensor(shape: [hidden], values: Array(repeating: 1, count: hidden)),
            "model.layers.0.input_layernorm.weight": Tensor(shape: [hidden], values: Array(repeating: 1, count: hidden)),
            "model.layers.0.post_attention_layernorm.weight": Tensor(shape: [hidden], values: Array(repeating: 1, count: hidden)),
        ]
        for (name, shape) in projections {
            base["model.layers.0.\(name).weight"] = Tensor(shape: shape, values: noise(shape[0] * shape[1], 0.6))
        }
        let config = """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": \(hidden), "intermediate_size": \(intermediate),
             "num_hidden_layers": 1, "num_attention_heads": \(heads), "num_key_value_heads": \(kvHeads), "vocab_size": \(vocab),
             "max_position_embeddings": 64, "rms_norm_eps": 1e-06, "hidden_act": "silu", "tie_word_embeddings": false, "torch_dtype": "float32"}
            """
        return try writeTinyFamily(to: directory, base: base, updating: projections.map { ("model.layers.0.\($0.0).weight", $0.1) }, config: config, noise: &noise)
    }

    /// A one-layer BERT base (config.json model_type bert: the six projections with biases, embeddings and
    /// norms) and two fine-tunes with small updates of every projection; returns [base, ft-a, ft-b].
    static func writeTinyBert(to directory: URL) throws -> [URL] {
        let (hidden, intermediate, vocab) = (32, 64, 48)
        var noise = TinyNoise(state: 0xBE27)
        let projections: [(String, [Int])] = [
            ("attention.self.query", [hidden, hidden]), ("attention.self.key", [hidden, hidden]), ("attention.self.value", [hidden, hidden]),
            ("attention.output.dense", [hidden, hidden]), ("intermediate.dense", [intermediate, hidden]), ("output.dense", [hidden, intermediate]),
        ]
        var base: [String: Tensor] = ["embeddings.word_embeddings.weight": Tensor(shape: [vocab, hidden], values: noise(vocab * hidden, 1))]
        for norm in ["embeddings.LayerNorm", "encoder.layer.0.attention.output.LayerNorm", "encoder.layer.0.output.LayerNorm"] {
            base[norm + ".weight"] = Tensor(shape: [hidden], values: Array(repeating: 1, count: hidden))
            base[norm + ".bias"] = Tensor(shape: [hidden], values: Array(repeating: 0, count: hidden))
        }
        for (name, shape) in projections {
            base["encoder.layer.0.\(name).weight"] = Tensor(shape: shape, values: noise(shape[0] * shape[1], 0.6))
            base["encoder.layer.0.\(name).bias"] = Tensor(shape: [shape[0]], values: noise(shape[0], 0.1))
        }
        let config = """
            {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": \(hidden), "intermediate_size": \(intermediate),
             "num_hidden_layers": 1, "num_attention_heads": 4, "vocab_size": \(vocab), "max_position_embeddings": 64,
             "layer_norm_eps": 1e-12, "hidden_act": "gelu", "torch_dtype": "float32"}
            """
        return try writeTinyFamily(to: directory, base: base, updating: projections.map { ("encoder.layer.0.\($0.0).weight", $0.1) }, config: config, noise: &noise)
    }

    /// The MiniLM paths of `list`'s examples point into the workspace's `minilm/`; the demo's output
    /// folder under `/tmp` into the workspace.
    static func substituted(_ arguments: [String]) -> [String] {
        arguments.map { word in
            if word.hasPrefix("../shared/models/minilm-l6/") { return "minilm/" + word.dropFirst("../shared/models/minilm-l6/".count) }
            if word.hasPrefix("/tmp/") { return String(word.dropFirst("/tmp/".count)) }
            return word
        }
    }

    @Test func everyHelpExampleRunsOnTheFixtureFamily() throws {
        let examples = try Self.examples()
        let commands = Set(examples.map(\.command))
        #expect(commands == ["check", "demo", "model", "layer", "mergeable", "merge", "report", "upscale", "list"], "commands with examples: \(commands.sorted())")
        #expect(examples.count >= 25)
        let (directory, environment) = try Self.workspace()
        for example in examples {
            let run = try CommandRunner.run(Self.substituted(example.arguments), in: directory, environment: environment)
            // mergeable and check answer with their verdict; the hub copy of the base has no config.json,
            // which check reports (a warning at most: nothing in it is incompatible).
            let allowed: Set<Int32> = example.command == "mergeable" ? [0, 1, 2] : example.command == "check" ? [0, 1] : [0]
            #expect(allowed.contains(run.status), "`\(example)` exited \(run.status): \(run.stderr.split(separator: "\n").prefix(3).joined(separator: " | "))")
        }
    }

    @Test func everyHelpExampleCanBeCopiedFromTheHelpText() throws {
        for example in try Self.examples() {
            let help = try CommandRunner.run([example.command, "--help"]).stdout
            for line in example.lines {
                #expect(help.contains(line), "`\(line)` is wrapped in `smile-inspect \(example.command) --help` (keep example lines within 80 columns)")
            }
        }
    }

    @Test func helpTextsNameWhatTheCommandsHave() throws {
        let mergeable = try CommandRunner.run(["mergeable", "--help"]).stdout
        #expect(mergeable.contains("Reads four data-free signals") && mergeable.contains("5 output"))
        let upscale = try CommandRunner.run(["upscale", "--help"]).stdout
        #expect(!upscale.contains("--store"), "upscale has no --store")
        for command in ["mergeable", "upscale"] {
            #expect(!(try CommandRunner.run([command, "--help"]).stdout.contains("--json")), "\(command): --format json is the one spelling shown")
        }
    }
}
