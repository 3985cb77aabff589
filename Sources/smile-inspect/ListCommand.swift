import Analysis
import ArgumentParser
import Foundation

/// `smile-inspect list CHECKPOINT`: the tensors of a checkpoint or LoRA adapter, read from headers only.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the tensors of a checkpoint or LoRA adapter: name, dtype, shape, size.",
        discussion: """
            Reads only the safetensors headers, so it is instant even for large checkpoints, and validates \
            them (offsets, sizes, dtypes) on the way.

            CHECKPOINT is a .safetensors file, a Hugging Face model directory (model.safetensors, or \
            model.safetensors.index.json with its shards; a SHARD column then says where each tensor is), \
            or a PEFT LoRA adapter directory (adapter_config.json + adapter_model.safetensors; the rank, \
            alpha, scale and target modules are shown before the factors). PyTorch checkpoints \
            (pytorch_model.bin, sharded with pytorch_model.bin.index.json, adapter_model.bin) are read \
            without running any code from them. CHECKPOINT may also be a Hugging Face repo id, \
            org/name or org/name@revision, looked up offline in the local Hub cache ($HF_HUB_CACHE, \
            else $HF_HOME/hub, else ~/.cache/huggingface/hub); the first line then names the snapshot \
            used. A local path of the same spelling wins.

            --format markdown gives the same as GitHub markdown, csv one row per tensor, json the listing \
            as documented in docs/json.md. Errors are one line on standard error; unusable input exits \
            with status 3.

            EXAMPLES:
              smile-inspect list ../shared/models/minilm-l6/base/model.safetensors
              smile-inspect list ../shared/models/minilm-l6/full-mansec
              smile-inspect list ../shared/models/minilm-l6/lora-mansec --format json \\
                  -o tensors.json
              smile-inspect list sentence-transformers/all-MiniLM-L6-v2
            """)

    @Argument(help: "A .safetensors or .bin file, a model directory, a LoRA adapter directory, or a Hub repo id org/name[@revision].", completion: .file())
    var checkpoint: String

    @OptionGroup var report: ReportArguments

    func run() throws {
        do {
            let location = try CheckpointLocation.resolve(checkpoint)
            let url = location.url
            let text: String
            switch report.format {
            case .text:
                let listing = ModelKind.detect(url) == .lora ? try adapterListing(LoRAAdapter(directory: url)) : try checkpointListing(Checkpoint(url: url))
                text = (location.snapshot.map { "Hugging Face cache: \($0)\n" } ?? "") + listing + "\n"
            case .markdown, .json, .csv:
                let listing = ModelKind.detect(url) == .lora ? try TensorListing(adapter: LoRAAdapter(directory: url)) : try TensorListing(checkpoint: Checkpoint(url: url))
                switch report.format {
                case .json: text = try ReportOutput.json(listing, command: "list")
                case .csv: text = listing.table.csv
                default: text = listing.document.markdown
                }
            }
            try report.emit(text)
        } catch {
            throw reportFailure(error)
        }
    }

    private func checkpointListing(_ checkpoint: Checkpoint) -> String {
        let sharded = checkpoint.indexURL != nil
        var header = ["NAME", "DTYPE", "SHAPE", "SIZE"]
        if sharded { header.append("SHARD") }
        let rows = checkpoint.tensors.map { info in
            var row = tensorRow(info)
            if sharded { row.append(checkpoint.file(containing: info.name)!.url.lastPathComponent) }
            return row
        }
        let metadata = checkpoint.files[0].metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return ([TensorListing.source(checkpoint)] + (metadata.isEmpty ? [] : ["metadata: " + metadata.joined(separator: ", ")])
            + (checkpoint.quantizationNote.map { ["quantized: " + $0] } ?? []) + [""]
            + table(header, rows)
            + ["", totals(tensors: checkpoint.tensors.count, parameters: checkpoint.parameterCount, bytes: checkpoint.byteCount)])
            .joined(separator: "\n")
    }

    private func adapterListing(_ adapter: LoRAAdapter) -> String {
        let config = adapter.config
        var lines = [
            "LoRA adapter \(adapter.directory.relativePath)",
            "r \(config.r), lora_alpha \(format(config.loraAlpha)), scale \(format(Double(config.defaultScale)))"
                + " (lora_alpha/\(config.useRSLoRA ? "√r, rsLoRA" : "r"))" + (config.fanInFanOut ? ", fan_in_fan_out" : ""),
            "targets: " + (config.targetModules.isEmpty ? "(none listed)" : config.targetModules.joined(separator: ", ")),
            "adapted modules: \(adapter.modules.count)",
        ]
        if let base = config.baseModel { lines.insert("base model: \(base)", at: 1) }
        let overridden = adapter.modules.filter { $0.rank != config.r || $0.scale != config.defaultScale }
        if !overridden.isEmpty {
            lines += ["", "rank_pattern / alpha_pattern overrides:"]
            lines += table(["MODULE", "RANK", "ALPHA", "SCALE"],
                overridden.map { [$0.name, String($0.rank), format($0.alpha), format(Double($0.scale))] })
        }
        if !adapter.unrecognizedTensors.isEmpty {
            lines += ["", "not LoRA factors (ignored by analyses): " + adapter.unrecognizedTensors.joined(separator: ", ")]
        }
        lines += [""] + table(["NAME", "DTYPE", "SHAPE", "SIZE"], adapter.file.tensors.map(tensorRow))
        lines += ["", totals(tensors: adapter.file.tensors.count, parameters: adapter.parameterCount, bytes: adapter.byteCount)]
        return lines.joined(separator: "\n")
    }

    private func tensorRow(_ info: TensorInfo) -> [String] {
        [info.name, info.dtype.rawValue, "[" + info.shape.map(String.init).joined(separator: ", ") + "]", Format.bytes(info.byteCount)]
    }

    private func totals(tensors: Int, parameters: Int, bytes: Int) -> String {
        "\(tensors) tensors, \(Format.grouped(parameters)) parameters, \(Format.bytes(bytes)) (\(Format.grouped(bytes)) bytes)"
    }

    /// Left-aligned columns two spaces apart, with a rule under the header.
    private func table(_ header: [String], _ rows: [[String]]) -> [String] {
        var table = ReportTable(headers: header, rows: rows)
        table.alignments = header.map { _ in .left }
        return [table.text]
    }

    /// A number without a trailing ".0": 16 → "16", 0.5 → "0.5".
    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
