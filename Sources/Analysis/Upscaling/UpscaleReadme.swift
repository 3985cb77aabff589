import Foundation

/// The `README.md` written next to an upscaled model: what was built, from what, and how to load it.
enum UpscaleReadme {
    /// What the shared path holds and β, in words (`smile_config.json`'s `shared_path`, `expert_scale`).
    static func sharedPath(_ config: SmileConfig) -> String {
        let beta = config.expertScale.map { $0 == 1 ? "" : "; every expert's output scaled by β = \(format($0)) (folded into its u and bias)" } ?? ""
        switch config.sharedPath.flatMap(SharedPath.init(argument:)) ?? .pretrained {
        case .pretrained: return "W_pre, experts on ΔWᵢ (FusionBench's SMILE)" + beta
        case let .merged(lambda): return "W_pre + λΣΔWⱼ (λ = \(lambda.map(format) ?? "each layer's λ*")), experts on ΔWᵢ − λΣΔWⱼ" + beta
        case let .isoC(c): return "W_pre + c·M_IsoC (c = \(c.map(format) ?? "?")), experts on ΔWᵢ − c·M_IsoC" + beta
        case let .tsv(c): return "W_pre + α·M_TSV (α = \(c.map(format) ?? "?")), experts on ΔWᵢ − α·M_TSV" + beta
        }
    }

    static func markdown(_ config: SmileConfig) -> String {
        let p = config.parameters
        let ks = config.modules.map(\.k)
        let rankRule = config.rankForEnergy.map { f in
            "k per layer = the rank keeping \(format(f)) of every expert's ‖ΔWᵢ‖² (max over experts)" + (config.kRequested.map { ", at most \($0)" } ?? "")
        } ?? "k = \(config.kRequested ?? 0), clamped to each layer's largest update rank"
        let policy: String
        switch config.otherTensors.policy {
        case "average": policy = "averaged over the fine-tuned models"
        case "base": policy = "taken from the base model"
        default: policy = "taken from model `\(config.otherTensors.model ?? "?")`"
        }
        let layout = config.layout.flatMap(UpscaleLayout.init(rawValue:))
        let hf = layout?.isWholeModel ?? false
        let budget = config.budget.map { plan in
            ["- Budget: \(format(plan.budget)) of the upscaled layers' base parameters; spent \(percent(plan.overhead)), mean energy kept \(format(plan.energyKept))"
                + (plan.allocation.map { " (ranks allocated on the \($0 == .uniform ? "residuals, one k clamped per layer" : $0.rawValue))" } ?? "")
                + (plan.uniformAtBudget.map { " (one k = \($0.k ?? 0) for every layer would keep \(format($0.energyKept)))" } ?? "") + "."]
        } ?? []
        var lines = [
            "# SMILE upscaled model",
            "",
            "Built by `smile-inspect upscale` from the base `\(config.base)` and \(config.experts.count) fine-tuned models.",
        ] + (layout == .hf ? [
            "A whole Hugging Face model that carries its own modeling code (`\(SmileRemoteCode.fileName)`, named in `config.json`'s",
            "`auto_map`): load it with plain transformers, `AutoModelForCausalLM.from_pretrained(DIR, trust_remote_code=True)`",
            "for decoders or `AutoModel.from_pretrained(DIR, trust_remote_code=True)` for encoders; no fusion_bench needed.",
        ] + (Set(config.modules.map { [$0.k, $0.gateK] }).count > 1 ? [
            "Each SmileLinear has its own expert and router ranks, listed in `config.json`'s `\(SmileRemoteCode.moduleRanksField)`.",
        ] : []) : hf ? [
            "A whole Hugging Face model of FusionBench's SMILE classes: load it with the class named in `config.json`'s",
            "`architectures` (e.g. `SmileLlamaForCausalLM.from_pretrained(DIR)` from `fusion_bench.models.modeling_smile_llama`).",
        ] : [
            "Each upscaled linear layer is a sparse mixture of low-rank experts (SMILE), stored with the parameter names",
            "of FusionBench's `SmileMoELinear` (`fusion_bench/models/smile_moe/linear_from_module.py`).",
        ]) + [
            "",
            "| expert | task | kind | source |",
            "|---|---|---|---|",
        ]
        lines += config.experts.map { "| \($0.index) | \($0.task) | \($0.kind) | `\($0.path)` |" }
        lines += [
            "",
            "## Layers",
            "",
            "- \(config.modules.count) upscaled linear layers; \(config.budget != nil ? "k chosen by the budget" : rankRule)"
                + (ks.isEmpty ? "." : " (k from \(ks.min()!) to \(ks.max()!))."),
        ] + budget + [
            "- Router: " + (config.routingTarget.map { "gate_k per layer = the smallest whose probe routing accuracy reaches \(format($0)) (`--gate-k auto`)" }
                ?? "gate_k = \(config.gateK) right singular vectors per expert") + ", top_k = \(config.topK).",
            "- Shared path: " + sharedPath(config) + ".",
            "- \(config.plainLinear.count) linear layers kept plain (every update zero)"
                + (hf ? ", written as SmileLinear with zero gate and experts." : "."),
        ] + (config.sharedOnly.map { layers in [
            "- \(layers.count) linear layers hold their shared path alone (`--max-flatness \(format(config.maxFlatness ?? 1))`: the spectral "
                + "flatness of their summed update is above it, so routing is predicted poor)"
                + (hf ? ", written as SmileLinear with the shared weight and zero gate and experts." : ", written as plain `X.weight`/`X.bias`."),
        ] } ?? []) + [
            "- \(config.otherTensors.count) other tensors (norms, embeddings, biases and weights of layers not upscaled) \(policy)"
                + (config.otherTensors.fromBase.isEmpty ? "." : "; \(config.otherTensors.fromBase.count) copied from the base regardless (integer tensors, or missing from a model)."),
            "",
        ] + (hf ? [
            "For module `X`: `X.gate.weight` [E·g, in], `X.shared_linear.weight` [out, in], `X.shared_linear.bias`,",
            "`X.experts.{i}.u` [out, k], `X.experts.{i}.svh` [k, in], `X.experts.{i}.bias` = bᵢ − b_pre (when the layer has a bias).",
            "",
            "    logits_i(x) = ‖gate.weight[i·g:(i+1)·g] x‖₂;  p = softmax(logits);  keep the top_k, renormalise to w",
            "    y = shared_linear(x) + Σ_{i ∈ top_k} w_i · (experts.i.u (experts.i.svh x) + experts.i.bias)",
        ] : [
            "For module `X`: `X.gate.weights` [E·g, in], `X.experts.{i}.u` [out, k], `X.experts.{i}.svh` [k, in],",
            "`X.experts.{i}.bias` [out] (when the layer has a bias), `X.pretrained_model.weight`, `X.pretrained_model.bias`.",
            "",
            "    logits_i(x) = ‖gate.weights[i·g:(i+1)·g] x‖₂;  p = softmax(logits);  keep the top_k, renormalise to w",
            "    y = pretrained_model(x) + Σ_{i ∈ top_k} w_i · (experts.i.u (experts.i.svh x) + experts.i.bias)",
        ]) + [
            "",
            "## Size",
            "",
            "| | parameters |",
            "|---|---|",
            "| base model | \(p.base) |",
            "| upscaled | \(p.upscaled) (\(percent(p.overheadVsBase)) vs base) |",
            "| every fine-tuned model kept | \(p.keepAll) (upscaled is \(String(format: "%.1f%%", p.fractionOfKeepAll * 100)) of it) |",
            "",
            "Files: " + filesText(config.files) + "; per-layer k, ranks, energy kept, parameter",
            "counts and routing accuracy on probe inputs are in `\(SmileConfig.fileName)`.",
            "",
        ]
        return lines.joined(separator: "\n")
    }

    private static func filesText(_ files: [String]) -> String {
        let shards = files.filter { $0.hasSuffix(".safetensors") }
        if shards.count <= 1 { return files.map { "`\($0)`" }.joined(separator: ", ") }
        return "\(shards.count) shards `\(shards[0])` … `\(shards[shards.count - 1])` with `model.safetensors.index.json`"
    }

    private static func percent(_ value: Double) -> String {
        (value >= 0 ? "+" : "") + String(format: "%.1f%%", value * 100)
    }

    private static func format(_ value: Double) -> String {
        String(format: "%g", value)
    }
}
