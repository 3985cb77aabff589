import Foundation
import Testing
@testable import Analysis

/// ``CompatibilityCheck`` on hand-written inputs: transformers 4 and 5 spellings of the same config,
/// slow-tokenizer files, LoRA adapters, and bad input (one line naming the file and the rule).
struct CompatibilityInputTests {
    private let directory: URL
    init() throws { directory = try Fixtures.temporaryDirectory() }

    /// A model directory with `files` (name → text) and small Llama weights.
    private func model(_ label: String, _ files: [String: String], tensors: [String: Tensor] = CompatibilityFamily.llamaTensors()) throws -> URL {
        let url = directory.appendingPathComponent(label)
        try TestModels.checkpoint(tensors, in: url)
        for (name, text) in files { try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return url
    }

    private func findings(base: [String: String], model files: [String: String]) throws -> [CompatibilityFinding] {
        let report = try CompatibilityCheck.run(base: try model("base", base).path, models: [try model("ft", files).path])
        return report.models[0].findings
    }

    /// The error's one line, or nil when nothing was thrown.
    private func failure(_ body: () throws -> Void) -> String? {
        do { try body() } catch { return "\(error)" }
        return nil
    }

    @Test func transformers4And5SpellingsOfTheSameRopeAndAliasesAreEqual() throws {
        let old = #"{"model_type": "llama", "n_embd": 64, "num_attention_heads": 4, "rope_theta": 10000.0, "rope_scaling": {"type": "linear", "factor": 2}}"#
        let new = #"{"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 4, "head_dim": 16, "tie_word_embeddings": true, "rope_parameters": {"rope_type": "linear", "factor": 2.0, "rope_theta": 1e4}}"#
        #expect(try findings(base: ["config.json": old], model: ["config.json": new]).isEmpty)
    }

    @Test func shapeHyperparametersAreIncompatibleAndPositionSettingsWarnings() throws {
        let base = #"{"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2, "sliding_window": 4096, "max_position_embeddings": 256}"#
        let ft = #"{"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 2, "sliding_window": null, "max_position_embeddings": 512, "tie_word_embeddings": false, "hidden_act": "gelu"}"#
        let found = try findings(base: ["config.json": base], model: ["config.json": ft])
        let bySeverity = Dictionary(grouping: found, by: \.severity).mapValues { Set($0.map(\.key)) }
        #expect(bySeverity[.incompatible] == ["num_key_value_heads"])
        #expect(bySeverity[.warning] == ["sliding_window", "tie_word_embeddings", "hidden_act"])
        #expect(bySeverity[.note] == ["max_position_embeddings"])
        let kv = found.first { $0.key == "num_key_value_heads" }!
        #expect(kv.base == "4" && kv.model == "2" && kv.line.hasPrefix(directory.appendingPathComponent("ft/config.json").path + ": incompatible: "))
    }

    @Test func slowTokenizerFilesAreReadAsTheFastOnes() throws {
        let vocab = #"{"a": 0, "b": 1, "ab": 2, "<s>": 3}"#
        let wordPiece = ["[PAD]", "[UNK]", "hello", "##lo"].joined(separator: "\n") + "\n"
        let files = try TokenizerFiles.read(in: try model("slow", ["vocab.json": vocab, "merges.txt": "#version: 0.2\na b\n", "added_tokens.json": #"{"<tool>": 4}"#,
                                                                  "special_tokens_map.json": #"{"bos_token": {"content": "<s>"}}"#]))!
        #expect(files.kind == "BPE" && files.vocabulary.count == 5 && files.merges == ["a b"] && files.special("bos_token") == "<s> (3)")
        let pieces = try TokenizerFiles.read(in: try model("wordpiece", ["vocab.txt": wordPiece]))!
        #expect(pieces.kind == "WordPiece" && pieces.vocabulary == ["[PAD]": 0, "[UNK]": 1, "hello": 2, "##lo": 3])
        let superset = TokenizerComparison.compare(base: try TokenizerFiles.read(in: try model("slow-base", ["vocab.json": vocab, "merges.txt": "a b\n"]))!, model: files, embeddingRows: 300)
        #expect(superset.relation == .superset && superset.addedIds == [4] && superset.idsWithoutEmbeddingRow.isEmpty)
        #expect(superset.specialTokens == [.init(role: "bos_token", base: nil, model: "<s> (3)")])
    }

    @Test func unigramWordLevelSentencePieceAndNamedTemplatesAreRead() throws {
        let unigram = try TokenizerFiles.read(in: try model("unigram", [
            "tokenizer.json": #"{"model": {"type": "Unigram", "vocab": [["<unk>", 0], ["▁a", -1.5], ["b", -2]]}, "added_tokens": [{"id": 3, "content": "<pad>", "special": true}]}"#,
            "tokenizer_config.json": #"{"pad_token": "<pad>", "added_tokens_decoder": {"4": {"content": "<sep>"}}, "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}"#,
        ]))!
        #expect(unigram.kind == "Unigram" && unigram.vocabulary == ["<unk>": 0, "▁a": 1, "b": 2, "<pad>": 3, "<sep>": 4])
        #expect(unigram.special("pad_token") == "<pad> (3)" && unigram.chatTemplate?.text == "{# default #}\nD\n{# tool_use #}\nT")
        let wordLevel = try TokenizerFiles.read(in: try model("wordlevel", ["tokenizer.json": #"{"model": {"type": "WordLevel", "vocab": {"x": 0, "y": 1}}}"#]))!
        #expect(wordLevel.kind == "WordLevel" && wordLevel.merges == nil)
        let kinds = TokenizerComparison.compare(base: unigram, model: wordLevel, embeddingRows: nil)
        #expect(kinds.relation == .different && kinds.sharedShare == 0 && kinds.firstDifferingIds.first == .init(id: 0, base: "<unk>", model: "x"))
        #expect(kinds.findings(model: wordLevel)[0].message.hasPrefix("a WordLevel tokenizer where the base has Unigram"))
        #expect(try TokenizerFiles.read(in: try model("no-tokenizer", [:])) == nil)
        let spm = try [("spm-a", "\u{0A}\u{05}model"), ("spm-b", "\u{0A}\u{05}model"), ("spm-c", "\u{0A}\u{05}other")].map { label, bytes in
            try TokenizerFiles.read(in: try model(label, ["tokenizer.model": bytes]))!
        }
        #expect(spm.allSatisfy { $0.kind == "SentencePiece" })
        #expect(TokenizerComparison.compare(base: spm[0], model: spm[1], embeddingRows: nil).relation == .identical)
        let changed = TokenizerComparison.compare(base: spm[0], model: spm[2], embeddingRows: nil)
        #expect(changed.relation == .different && changed.findings(model: spm[2])[0].message.hasPrefix("another tokenizer.model (the files differ)"))
    }

    @Test func loRAAdaptersAreCheckedAgainstTheBaseModules() throws {
        let base = try model("base", [:])
        func adapter(_ label: String, targets: String, modules: [String: [Int]]) throws -> URL {
            let url = directory.appendingPathComponent(label)
            var tensors = [String: Tensor]()
            for (module, shape) in modules {
                tensors["base_model.model.\(module).lora_A.weight"] = TestModels.random([4, shape[1]], seed: 1)
                tensors["base_model.model.\(module).lora_B.weight"] = TestModels.random([shape[0], 4], seed: 2)
            }
            try TestModels.checkpoint(tensors, in: url, file: "adapter_model.safetensors")
            try #"{"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": \#(targets), "base_model_name_or_path": "org/llama"}"#
                .write(to: url.appendingPathComponent("adapter_config.json"), atomically: true, encoding: .utf8)
            return url
        }
        let good = try adapter("good", targets: #"["q_proj", "v_proj"]"#, modules: ["model.layers.0.self_attn.q_proj": [64, 64], "model.layers.1.self_attn.v_proj": [32, 64]])
        let partly = try adapter("partly", targets: #"["q_proj", "c_attn"]"#, modules: ["model.layers.0.self_attn.q_proj": [64, 64], "model.layers.0.attn.c_attn": [96, 32]])
        let foreign = try adapter("foreign", targets: #"["c_attn"]"#, modules: ["transformer.h.0.attn.c_attn": [96, 32]])
        let wrongShape = try adapter("wrong-shape", targets: #"["q_proj"]"#, modules: ["model.layers.0.self_attn.q_proj": [64, 32]])
        let report = try CompatibilityCheck.run(base: base.path, models: [good.path, partly.path, foreign.path, wrongShape.path])
        #expect(report.models.map(\.status) == [.compatible, .incompatible, .incompatible, .incompatible])
        #expect(report.models.allSatisfy { $0.kind == "lora" })
        #expect(report.models[0].findings.map(\.message) == ["LoRA r 4, lora_alpha 8, scale 2 (lora_alpha/r), 2 adapted modules, trained on org/llama"])
        // Modules the base lacks would be dropped: incompatible, as the loader refuses them (exit 3).
        #expect(report.models[1].findings.filter { $0.severity == .incompatible }.map(\.key) == ["model.layers.0.attn.c_attn.weight"])
        #expect(report.models[1].findings.filter { $0.severity == .incompatible }[0].message.hasPrefix("1 adapted module(s) update weights the base"))
        #expect(report.models[1].findings.filter { $0.severity == .warning }.map(\.key) == ["target_modules"])
        #expect(report.models[2].findings[0].message.hasPrefix("none of the 1 adapted modules"))
        #expect(report.models[3].findings[0].key == "model.layers.0.self_attn.q_proj.weight" && report.models[3].findings[0].model == "[64, 32]")
    }

    /// A tensor missing or of another shape counts against the family only inside the run's selection
    /// (`--include/--exclude`): outside it, the run never reads it, and it is a note; LoRA modules alike.
    @Test func missingAndReshapedTensorsOutsideTheSelectionAreNotes() throws {
        let base = try model("base", [:])
        var partial = CompatibilityFamily.llamaTensors(vocab: 310)
        for name in partial.keys where name.hasPrefix("model.layers.1.") { partial[name] = nil }
        let ft = try model("partial", [:], tensors: partial)
        let everything = try CompatibilityCheck.run(base: base.path, models: [ft.path])
        #expect(everything.models[0].status == .incompatible)
        #expect(Set(everything.models[0].findings.filter { $0.severity == .incompatible }.map(\.key)) == ["model.layers.1.input_layernorm.weight", "model.embed_tokens.weight", "lm_head.weight"])
        let layer0 = try TensorSelection(include: #"layers\.0\."#, exclude: nil)
        let selected = try CompatibilityCheck.run(base: base.path, models: [ft.path], selection: layer0)
        #expect(selected.models[0].status == .compatible)
        let notes = selected.models[0].findings.filter { $0.aspect == .tensors }
        #expect(notes.count == 2 && notes.allSatisfy { $0.severity == .note })
        #expect(notes[0].message.hasPrefix(#"9 of the base's 21 tensors are missing (layer 1), all outside the selection --include 'layers\.0\.' and not read, e.g. model.layers.1."#), "\(notes[0].message)")
        #expect(notes[1].message.hasPrefix(#"2 tensor(s) outside the selection --include 'layers\.0\.' have other shapes than in the base and are not read, e.g. "#), "\(notes[1].message)")
        #expect(notes[1].message.hasSuffix("([310, 64] here, [300, 64] in the base)"))
        // Inside the selection they stay incompatible, whichever pattern selects them.
        let embeddings = try CompatibilityCheck.run(base: base.path, models: [ft.path], selection: try TensorSelection(include: nil, exclude: #"layers\.1\."#))
        #expect(Set(embeddings.models[0].findings.filter { $0.severity == .incompatible }.map(\.key)) == ["model.embed_tokens.weight", "lm_head.weight"])
        // The same selection lets the family open: the reshaped tensors are skipped like the missing ones.
        #expect(throws: CheckpointError.self) { _ = try ModelFamily.open(base: base.path, models: [ft.path]) }
        let family = try ModelFamily.open(base: base.path, models: [ft.path], selection: layer0)
        #expect(Set(family.skipped.map(\.tensor)) == Set(partial.keys.filter { $0.contains("embed") || $0.hasPrefix("lm_head") } + CompatibilityFamily.llamaTensors().keys.filter { $0.hasPrefix("model.layers.1.") }))
        #expect(!family.matched.contains { $0.name.hasPrefix("model.layers.1.") || $0.name == "lm_head.weight" })
    }

    /// Newer transformers no longer save buffers such as BERT's `embeddings.position_ids` (I64): a
    /// fine-tune without it is not missing a weight (as in the real MiniLM harness family).
    @Test func aMissingBufferIsANoteAndAMissingWeightIncompatible() throws {
        var tensors = CompatibilityFamily.llamaTensors()
        tensors["embeddings.position_ids"] = Tensor(shape: [1, 8], values: (0..<8).map(Float.init))
        tensors["model.layers.0.self_attn.rotary_emb.inv_freq"] = TestModels.random([8], seed: 5)
        let base = directory.appendingPathComponent("with-buffers")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        try SafetensorsWriter.write(tensors, to: base.appendingPathComponent("model.safetensors"), dtypes: ["embeddings.position_ids": .i64])
        var lacking = CompatibilityFamily.llamaTensors()
        let report = try CompatibilityCheck.run(base: base.path, models: [try model("no-buffers", [:], tensors: lacking).path])
        #expect(report.models[0].status == .compatible)
        #expect(report.models[0].findings.map(\.message) == ["2 buffer(s) of the base are not stored here and are not merged, e.g. embeddings.position_ids, model.layers.0.self_attn.rotary_emb.inv_freq"])
        lacking["model.norm.weight"] = nil
        let weightless = try CompatibilityCheck.run(base: base.path, models: [try model("no-norm", [:], tensors: lacking).path])
        #expect(weightless.models[0].status == .incompatible)
        #expect(weightless.models[0].findings[0].message == "1 of the base's 23 tensors are missing, e.g. model.norm.weight")
    }

    @Test func badInputIsOneLineNamingTheFileAndTheRule() throws {
        let cases: [(files: [String: String], file: String, rule: String)] = [
            (["config.json": #"{"hidden_size": 64,}"#], "config.json", "invalid model config: expected a string key"),
            (["config.json": "[1, 2]"], "config.json", "invalid model config: not a JSON object"),
            (["tokenizer.json": #"{"model": {"type": "Morse", "vocab": {}}}"#], "tokenizer.json", "invalid tokenizer: unknown tokenizer model type \"Morse\""),
            (["tokenizer.json": #"{"model": {"type": "BPE", "vocab": {"a": -1}, "merges": []}}"#], "tokenizer.json", "has id -1, not a non-negative integer"),
            (["tokenizer_config.json": #"{"chat_template": 7}"#], "tokenizer_config.json", "chat_template is 7, not a string"),
            (["vocab.json": #"{"a": 0}"#, "merges.txt": "a b c\n"], "merges.txt", "line 1 is not a merge"),
            (["tokenizer_config.json": "{\"bos_token\": \"\u{FFFF}\"" ], "tokenizer_config.json", "invalid tokenizer:"),
        ]
        for (index, bad) in cases.enumerated() {
            let url = try model("bad-\(index)", bad.files)
            let base = try model("good-base-\(index)", [:])
            for (b, m) in [(url, base), (base, url)] {
                let line = try #require(failure { _ = try CompatibilityCheck.run(base: b.path, models: [m.path]) }, "\(bad.files) was accepted")
                #expect(line.hasPrefix(url.appendingPathComponent(bad.file).path + ": ") && line.contains(bad.rule) && !line.contains("\n"), "\(line)")
            }
        }
    }

    @Test func aHeaderThatLiesIsRefusedNamingTheShard() throws {
        let url = try model("lying", [:])
        let file = url.appendingPathComponent("model.safetensors")
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: try handle.seekToEnd() - 4)
        try handle.close()
        let line = try #require(failure { _ = try CompatibilityCheck.run(base: try model("base", [:]).path, models: [url.path]) })
        #expect(line.hasPrefix(file.path + ": ") && line.contains("data_offsets") && !line.contains("\n"), "\(line)")
    }
}
