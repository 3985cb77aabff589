import Analysis
import Foundation

/// What `smile-inspect list` shows, as a value: the JSON of `list --format json` and the source of its
/// markdown and CSV renderings (the text rendering stays ListCommand's own aligned listing).
struct TensorListing: Encodable {
    /// One tensor: name, dtype, shape, bytes on disk, and the shard holding it (sharded checkpoints).
    struct Entry: Encodable {
        var name: String
        var dtype: String
        var shape: [Int]
        var bytes: Int
        var shard: String?
    }

    /// A PEFT LoRA adapter's configuration and adapted modules.
    struct Adapter: Encodable {
        /// One adapted module with its effective rank, alpha and scale (rank_pattern / alpha_pattern applied).
        struct Module: Encodable {
            var name: String
            var rank: Int
            var alpha: Double
            var scale: Double
        }

        var r: Int
        var loraAlpha: Double
        var scale: Double
        var useRSLoRA: Bool
        var fanInFanOut: Bool
        var targetModules: [String]
        var baseModel: String?
        var modules: [Module]
        var unrecognizedTensors: [String]
    }

    /// `checkpoint` or `lora`.
    var kind: String
    /// The file, index or adapter directory listed.
    var source: String
    /// The safetensors `__metadata__` of the (first) file.
    var metadata: [String: String]
    var adapter: Adapter?
    /// How the weights are quantized (FP8 with scales, packed formats), when they are.
    var quantization: String?
    var tensors: [Entry]
    var tensorCount: Int
    var parameters: Int
    var bytes: Int

    init(checkpoint: Checkpoint) {
        kind = "checkpoint"
        source = Self.source(checkpoint)
        metadata = checkpoint.files[0].metadata
        adapter = nil
        quantization = checkpoint.quantizationNote
        let sharded = checkpoint.indexURL != nil
        tensors = checkpoint.tensors.map { info in
            Entry(name: info.name, dtype: info.dtype.rawValue, shape: info.shape, bytes: info.byteCount,
                  shard: sharded ? checkpoint.file(containing: info.name)?.url.lastPathComponent : nil)
        }
        tensorCount = checkpoint.tensors.count
        parameters = checkpoint.parameterCount
        bytes = checkpoint.byteCount
    }

    init(adapter: LoRAAdapter) {
        let config = adapter.config
        kind = "lora"
        source = adapter.directory.relativePath
        metadata = adapter.file.metadata
        self.adapter = Adapter(
            r: config.r, loraAlpha: config.loraAlpha, scale: Double(config.defaultScale), useRSLoRA: config.useRSLoRA,
            fanInFanOut: config.fanInFanOut, targetModules: config.targetModules, baseModel: config.baseModel,
            modules: adapter.modules.map { Adapter.Module(name: $0.name, rank: $0.rank, alpha: $0.alpha, scale: Double($0.scale)) },
            unrecognizedTensors: adapter.unrecognizedTensors)
        tensors = adapter.file.tensors.map { Entry(name: $0.name, dtype: $0.dtype.rawValue, shape: $0.shape, bytes: $0.byteCount, shard: nil) }
        tensorCount = adapter.file.tensors.count
        parameters = adapter.parameterCount
        bytes = adapter.byteCount
    }

    /// The index with its shard count, or the single file.
    static func source(_ checkpoint: Checkpoint) -> String {
        checkpoint.indexURL.map { "\($0.relativePath) (\(checkpoint.files.count) shards)" } ?? checkpoint.files[0].displayPath
    }

    /// One row per tensor (raw byte counts; the shard column only for sharded checkpoints). Shapes are
    /// written `8x384` with an ASCII x, as every machine-readable format writes them.
    var table: ReportTable {
        let sharded = tensors.contains { $0.shard != nil }
        var table = ReportTable(
            headers: ["name", "dtype", "shape", "bytes"] + (sharded ? ["shard"] : []),
            rows: tensors.map { [$0.name, $0.dtype, $0.shape.map(String.init).joined(separator: "x"), "\($0.bytes)"] + (sharded ? [$0.shard ?? ""] : []) })
        table.alignments = table.headers.map { _ in .left }
        return table
    }

    /// A heading, the adapter's settings, the tensor table and the totals.
    var document: ReportDocument {
        var doc = ReportDocument()
        doc.heading(kind == "lora" ? "LoRA adapter \(source)" : source)
        var facts = metadata.sorted { $0.key < $1.key }.map { "metadata \($0.key) = \($0.value)" } + (quantization.map { ["quantized: " + $0] } ?? [])
        if let adapter {
            facts.append("r \(adapter.r), lora_alpha \(adapter.loraAlpha), scale \(adapter.scale)\(adapter.useRSLoRA ? " (rsLoRA)" : "")\(adapter.fanInFanOut ? ", fan_in_fan_out" : "")")
            facts.append("targets: \(adapter.targetModules.joined(separator: ", ")); adapted modules: \(adapter.modules.count)")
        }
        doc.bullets(facts)
        doc.table(table)
        doc.paragraph("\(tensorCount) tensors, \(Format.grouped(parameters)) parameters, \(Format.bytes(bytes)) (\(Format.grouped(bytes)) bytes)")
        return doc
    }
}
