import Analysis
import ArgumentParser
import Foundation

/// `smile-inspect check`: can these models be merged at all? From configs, tokenizer files and tensor
/// headers alone, in well under a second at any size.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check, from configs, tokenizers and headers alone, that fine-tunes can be merged with their base; exit 0, 1 or 2.",
        discussion: """
            Reads only config.json, generation_config.json, the tokenizer files (tokenizer.json, \
            tokenizer_config.json, special_tokens_map.json, added_tokens.json, vocab.txt / vocab.json / \
            merges.txt, chat_template.jinja), adapter_config.json, safetensors headers, *.index.json and the \
            zip directory of .bin files — never tensor data — and reports, per model against the base: \
            architecture and model_type; the shape-defining hyperparameters (hidden, intermediate, heads, \
            KV heads, layers, head dim, vocab); the positional scheme (rope_theta, rope scaling, \
            max_position_embeddings, sliding window); tie_word_embeddings; dtype; the tokenizer (identical, \
            a superset — which ids were added and whether they have embedding rows —, or different: the \
            share of base tokens keeping their id, the first differing ids, special tokens, chat template); \
            tensors missing, extra or of other shapes (a resized embed_tokens / lm_head); and for LoRA \
            adapters, modules the base does not have, and their rank and alpha.

            Each finding is incompatible (task arithmetic or SMILE is undefined: shapes differ, tensors \
            or layers are missing), a warning (defined but likely harmful: other tokenizer merges or \
            vocabulary, other rope scaling, another chat template) or a note. model, mergeable and upscale \
            run the same check before reading any weight: they stop on an incompatible finding (exit 3) \
            and carry the warnings in their reports and JSON (`compatibility`). They judge tensors within \
            their --include/--exclude selection: a tensor missing or of another shape outside it is a note \
            there (a fine-tune that saved only the layers analysed is not refused), unless the run writes \
            or judges a whole-model merge (--emit-mergekit, --mergekit). check itself takes no selection \
            and judges every tensor.

            Exit status: 0 compatible (notes at most), 1 warnings, 2 incompatible, 3 input error (a file \
            that cannot be read, malformed JSON, a tokenizer of unknown kind, a header that lies: one line \
            naming the file and the rule), 64 usage error. --format json is documented in docs/json.md \
            (CheckDocument); csv has one row per finding.

            --mergekit config.yml checks the config's base_model and models (local paths or repo ids in \
            the Hugging Face cache); its merge itself is judged by `mergeable --mergekit`. --transposed is \
            accepted for symmetry with the other commands and changes nothing here.

            EXAMPLES:
              smile-inspect check --base base/ --models a/ b/ lora-c/
              smile-inspect check --base base/ --models a/ b/ && mergekit-yaml m.yml out/
              smile-inspect check --base sentence-transformers/all-MiniLM-L6-v2 --models a/
              smile-inspect check --mergekit ties.yml          # its base_model and models
              smile-inspect check --base base/ --models a/ --format json -o check.json
            """)

    @OptionGroup var family: FamilyArguments
    @OptionGroup var mergekit: MergekitArguments
    @OptionGroup var report: ReportArguments

    func validate() throws {
        if !mergekit.namesTheFamily(family) { try family.requireFamily() }
    }

    func run() throws {
        let result: CompatibilityReport
        do {
            let family = try mergekit.resolve(self.family)?.family ?? self.family
            result = try CompatibilityCheck.run(base: family.base!, models: family.models, names: family.names.isEmpty ? nil : family.names)
            let text: String
            switch report.format {
            case .text: text = CompatibilityDocument.document(result).text
            case .markdown: text = CompatibilityDocument.document(result).markdown
            case .json: text = try ReportOutput.json(result, command: "check")
            case .csv: text = CompatibilityDocument.csvTable(result).csv
            }
            try report.emit(text)
        } catch {
            throw reportFailure(error)
        }
        if result.status != .compatible { throw ExitCode(result.status.exitCode) }
    }
}
