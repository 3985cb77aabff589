/// The `README.md` written next to a merged checkpoint: what was merged, how, and how to load it.
enum MergeReadme {
    static func markdown(_ record: MergeRecord) -> String {
        let method = MergeMethod(rawValue: record.method)!
        let t = record.models.count
        var lines = [
            "# Merged model (\(method.displayName))",
            "",
            "Written by `smile-inspect merge --method \(record.method)` from the base `\(record.base)` and \(t) fine-tuned model(s):",
            "",
        ]
        lines += record.models.map { "- \($0.task) (\($0.kind)): `\($0.path)`" }
        lines += ["", "θ = θ_pre + c·M with c = \(record.coefficient), where τᵢ = θᵢ − θ_pre (a LoRA adapter's τ is s·BA on the weights it adapts, 0 elsewhere) and:", ""]
        switch method {
        case .taskArithmetic:
            lines.append("- every floating-point tensor: M = Σᵢ τᵢ (task arithmetic).")
        case .ties:
            lines.append("- every floating-point tensor: TIES per tensor — keep the top \(record.density ?? 0.2) of |τᵢ|, elect the sign of Σᵢ τ̃ᵢ, M = mean of the agreeing τ̃ᵢ.")
        case .tsv, .isoC, .isoCTS:
            let rule: String
            switch method {
            case .tsv: rule = "TSV-M (Gargiulo et al., CVPR 2025): each τᵢ keeps its top ⌊min(m, n)/\(t)⌋ singular triplets (at most its numerical rank); the stacked left and right singular vectors are replaced by their polar factors"
            case .isoC: rule = "Iso-C (Marczak et al., ICML 2025): the SVD of Σᵢ τᵢ with every singular value replaced by their mean, over the sum's numerical rank"
            default: rule = "Iso-CTS (Marczak et al., ICML 2025): a common subspace (\(record.commonFraction ?? 0.8) of the sum's numerical rank) plus each task's own top directions outside it, orthogonalised, every singular value replaced by their mean"
            }
            lines.append("- \(record.subspaceWeights) 2-D linear weights: M = \(rule).")
            lines.append("- the \(record.methodTensors) other floating-point tensors (embeddings, norms, biases): M = (1/\(t)) Σᵢ τᵢ, the mean update, as the reference code does.")
        }
        if !record.fromBase.isEmpty {
            lines.append("- \(record.fromBase.count) tensor(s) copied from the base (integer tensors, or tensors some model lacks), e.g. `\(record.fromBase[0])`.")
        }
        lines += ["", "Tensor names, shapes, dtypes and shard files are the base's; load it as the base (e.g. `AutoModel.from_pretrained(DIR)`).",
                  "`merge_config.json` holds these settings. Files: " + record.files.map { "`\($0)`" }.joined(separator: ", ") + "."]
        if !record.notes.isEmpty { lines += ["", "Notes:", ""] + record.notes.map { "- \($0)" } }
        return lines.joined(separator: "\n") + "\n"
    }
}
