import Analysis
import ArgumentParser
import Foundation

/// `smile-inspect upscale`: build a SMILE sparse mixture of low-rank experts from a base and its fine-tunes.
struct UpscaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upscale",
        abstract: "Build a SMILE mixture-of-experts model from a base and its fine-tunes (FusionBench SmileMoELinear layout).",
        discussion: """
            Every selected linear layer (a 2-D .weight, with its .bias when there is one) becomes a SMILE \
            layer: the pretrained layer, one rank-k expert per model built from the SVD of its update \
            ΔWᵢ = Wᵢ − W_pre (u = U_{i,:k}, svh = diag(S_{i,:k}) V_{i,:k}ᵀ, bias = bᵢ − b_pre; LoRA adapters are \
            decomposed from their factors), and a router whose logit for expert i is ‖V_{i,:gate_k}ᵀ x‖₂; the \
            softmax over experts keeps the top_k and renormalises. Defaults are FusionBench's: k 128, gate_k \
            1, top_k 1. k is clamped to each layer's largest update rank; --rank-for-energy F instead picks, \
            per layer, the rank keeping F of every expert's energy (--k then caps it).

            Layers whose updates are all zero stay plain. Every other tensor (norms, embeddings, biases and \
            weights of layers not upscaled) is averaged over the models (--others average), taken from the \
            base (--others base, FusionBench's default) or from one model (--others model:NAME).

            DIR receives model.safetensors (shards plus model.safetensors.index.json above --max-shard-size), \
            smile_config.json (k per layer, gate_k, top_k, experts with task names and paths, how other \
            tensors were chosen, parameter counts, routing accuracy on probe inputs drawn from each task's \
            update subspace) and README.md. Tensor names follow FusionBench's SmileMoELinear: X.gate.weights, \
            X.experts.{i}.u, X.experts.{i}.svh, X.experts.{i}.bias, X.pretrained_model.weight and .bias. \
            The directory appears atomically: a failure leaves nothing, and an existing DIR is refused \
            unless --force, which replaces it atomically — and only if it is empty or a previous upscale \
            output (it holds smile_config.json) and is not one of the inputs.

            Exit status: 0 success; 3 input error; 4 analysis error (NaN weights, SVD failure); 5 output \
            error (DIR exists, cannot write); 64 usage error.

            EXAMPLES:
              smile-inspect upscale --base base/ --models full-a lora-b --out moe/
              smile-inspect upscale --base base/ --models a b --out moe/ --k 32 --top-k 2
              smile-inspect upscale --base base/ --models a b --out moe/ --others base
              smile-inspect upscale --base base/ --models a b --out moe/ --force \\
                  --rank-for-energy 0.99 --include 'attention'
            """)

    @OptionGroup var family: FamilyArguments
    @Option(help: ArgumentHelp("Output directory (created atomically; refused if it exists, see --force).", valueName: "dir"), completion: .directory)
    var out: String
    @Option(name: .customLong("k"), help: ArgumentHelp("Expert rank k (default 128; with --rank-for-energy, the cap).", valueName: "k"))
    var k: Int?
    @Option(name: .customLong("gate-k"), help: ArgumentHelp("Right singular vectors per expert in the router.", valueName: "g"))
    var gateK = 1
    @Option(name: .customLong("top-k"), help: ArgumentHelp("Experts each input is sent to.", valueName: "n"))
    var topK = 1
    @Option(help: ArgumentHelp("Upscale only linear weights whose name matches this regular expression.", valueName: "regex"))
    var include: String?
    @Option(help: ArgumentHelp("Do not upscale linear weights whose name matches this regular expression.", valueName: "regex"))
    var exclude: String?
    @Option(help: ArgumentHelp("Pick k per layer as the rank keeping this fraction of every expert's energy.", valueName: "fraction"))
    var rankForEnergy: Double?
    @Option(help: ArgumentHelp("Where tensors outside upscaled layers come from: average, base or model:NAME.", valueName: "policy"))
    var others = "average"
    @Option(help: ArgumentHelp("Largest shard: bytes, or with a unit (500MB, 2GB, 1GiB).", valueName: "size"))
    var maxShardSize = "2GB"
    @Option(help: ArgumentHelp("Probe inputs per expert and layer for the routing accuracy (0: skip).", valueName: "n"))
    var probeSamples = 32
    @Option(help: ArgumentHelp("Seed of the probe inputs.", valueName: "n"))
    var seed: UInt64 = SmileUpscaleOptions().seed
    @Flag(help: "Replace DIR if it is a previous upscale output or empty (atomically).")
    var force = false
    @Flag(help: "Print the report as JSON: {\"output\": DIR, \"config\": the content of smile_config.json}.")
    var json = false
    @Flag(help: "No progress line on standard error.")
    var quiet = false

    func validate() throws {
        try family.requireFamily()
        guard OtherTensorPolicy(argument: others) != nil else { throw ValidationError("--others must be average, base or model:NAME, got \"\(others)\"") }
        guard Self.byteCount(maxShardSize) != nil else { throw ValidationError("--max-shard-size must be a positive size such as 2GB, 500MB or 1000000, got \"\(maxShardSize)\"") }
        if let k, k < 1 { throw ValidationError("--k must be at least 1, got \(k)") }
        if let f = rankForEnergy, !(f > 0 && f <= 1) { throw ValidationError("--rank-for-energy must be in (0, 1], got \(f)") }
        guard gateK >= 1 else { throw ValidationError("--gate-k must be at least 1, got \(gateK)") }
        guard topK >= 1 else { throw ValidationError("--top-k must be at least 1, got \(topK)") }
        guard probeSamples >= 0 else { throw ValidationError("--probe-samples must not be negative") }
    }

    func run() throws {
        do {
            let rank: ExpertRankRule = rankForEnergy.map { .energy($0, maximum: k) } ?? .fixed(k ?? 128)
            let options = SmileUpscaleOptions(
                expertRank: rank, gateRank: gateK, topK: topK, include: include, exclude: exclude,
                others: OtherTensorPolicy(argument: others)!, maxShardBytes: Self.byteCount(maxShardSize)!,
                replaceExisting: force, probeSamples: probeSamples, seed: seed)
            let progress = ProgressLine(enabled: !quiet)
            let report = try SmileUpscaler(options: options).upscale(try family.open(), to: URL(fileURLWithPath: out)) { progress.update($0) }
            progress.finish()
            print(json ? String(decoding: try report.encoded(), as: UTF8.self) : Self.summary(report), terminator: "")
        } catch let error as UpscaleError {
            switch error {
            case .outputExists, .cannotWrite: throw reportFailure(OutputError(path: out, underlying: Self.writeReason(error)))
            default: throw reportFailure(ValidationError(error.description))
            }
        } catch {
            throw reportFailure(error)
        }
    }

    private static func writeReason(_ error: UpscaleError) -> String {
        switch error {
        case .outputExists: return "it already exists; pass --force to replace it"
        case let .cannotWrite(_, reason): return reason
        default: return error.description
        }
    }

    /// "2GB" → 2_000_000_000, "1GiB" → 1_073_741_824, "12345" → 12345; nil when not a positive size.
    static func byteCount(_ text: String) -> Int? {
        let units: [(String, Double)] = [("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776), ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("B", 1)]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let (number, scale) = units.first { trimmed.uppercased().hasSuffix($0.0.uppercased()) }
            .map { (String(trimmed.dropLast($0.0.count)).trimmingCharacters(in: .whitespaces), $0.1) } ?? (trimmed, 1)
        guard let value = Double(number), value > 0, (value * scale).isFinite, value * scale < 9e18 else { return nil }
        return Swift.max(1, Int(value * scale))
    }

    /// The text report: one row per upscaled layer, then the totals.
    static func summary(_ report: UpscaleReport) -> String {
        let config = report.config
        var rows = [["MODULE", "K", "GATE_K", "ENERGY KEPT (min)", "PARAMS BASE", "PARAMS SMILE", "ROUTED k / gate_k"]]
        for layer in report.layers {
            rows.append([
                layer.module, String(layer.k), String(layer.gateK),
                String(format: "%.4f", layer.energyKept.min() ?? 1),
                grouped(layer.parameters.base), grouped(layer.parameters.upscaled),
                [layer.routingAccuracy, layer.routingAccuracyGateSubspace].map { $0?.mean.map { String(format: "%.2f", $0) } ?? "–" }.joined(separator: " / "),
            ])
        }
        let p = report.parameters
        var lines = [
            "Upscaled \(report.layers.count) linear layers from \(config.experts.count) models into \(report.output)",
            "experts: " + config.experts.map { "\($0.index) \($0.task) (\($0.kind))" }.joined(separator: ", "),
            "",
        ]
        lines += table(rows)
        lines += [
            "",
            "ROUTED: mean fraction of probe inputs from expert i's top-k (resp. top-gate_k) update subspace sent to expert i.",
            "plain linear layers (every update zero): \(config.plainLinear.count); other tensors (\(config.otherTensors.policy)\(config.otherTensors.model.map { ":\($0)" } ?? "")): \(config.otherTensors.count)",
            "parameters: base \(grouped(p.base)), upscaled \(grouped(p.upscaled)) (\(String(format: "%+.1f%%", p.overheadVsBase * 100))), "
                + "every model kept \(grouped(p.keepAll)) (upscaled is \(String(format: "%.1f%%", p.fractionOfKeepAll * 100)))",
            "files: " + (config.files + [SmileConfig.fileName, "README.md"]).joined(separator: ", "),
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Left-aligned columns separated by two spaces.
    private static func table(_ rows: [[String]]) -> [String] {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max()! }
        return rows.map { row in
            zip(row, widths).enumerated().map { index, cell in
                index == row.count - 1 ? cell.0 : cell.0.padding(toLength: cell.1, withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }

    /// 11234567 → "11,234,567".
    private static func grouped(_ number: Int) -> String {
        let digits = Array(String(number))
        return digits.enumerated().map { index, digit in
            index > 0 && (digits.count - index) % 3 == 0 ? ",\(digit)" : String(digit)
        }.joined()
    }
}
