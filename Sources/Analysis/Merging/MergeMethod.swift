/// A data-free merging method of ``ModelMerger``: how the task vectors τᵢ = θᵢ − θ_pre of one tensor
/// become the merged update M, so that θ_merged = θ_pre + c·M for the coefficient c (``MergeSettings``).
///
/// | method | 2-D linear weights | other tensors (embeddings, norms, biases) |
/// |---|---|---|
/// | ``taskArithmetic`` | Σᵢ τᵢ | Σᵢ τᵢ |
/// | ``ties`` | TIES per tensor: trim, elect, disjoint mean | the same |
/// | ``tsv`` | TSV-M (Gargiulo et al., CVPR 2025) | (1/T) Σᵢ τᵢ |
/// | ``isoC`` | Iso-C (Marczak et al., ICML 2025) | (1/T) Σᵢ τᵢ |
/// | ``isoCTS`` | Iso-CTS (Marczak et al., ICML 2025) | (1/T) Σᵢ τᵢ |
///
/// The formulas are in ``SubspaceMerge``; the per-tensor TIES in ``TiesMerge``.
public enum MergeMethod: String, Sendable, Codable, CaseIterable {
    case taskArithmetic = "ta"
    case ties
    case tsv
    case isoC = "iso-c"
    case isoCTS = "iso-cts"

    /// The name papers and FusionBench use.
    public var displayName: String {
        switch self {
        case .taskArithmetic: return "task arithmetic"
        case .ties: return "TIES"
        case .tsv: return "TSV-M"
        case .isoC: return "Iso-C"
        case .isoCTS: return "Iso-CTS"
        }
    }

    /// The coefficient used when none is given, the best measured on the realtasks family (README,
    /// "Merging") for full fine-tunes (`allLoRA` false, also for mixed families) or LoRA adapters:
    /// task arithmetic λ 0.5 / 0.3; TIES λ 1 (the disjoint mean has one task vector's scale); TSV-M α 1
    /// (the reference code's value) / 0.5 — on LoRA adapters every direction of every adapter is kept, so
    /// M is an orthogonalised sum, scaled like task arithmetic's; Iso-C and Iso-CTS α 3 / 1 — their
    /// flattened update (Σσ/√d)·UVᵀ of a full-rank sum is much smaller than the sum, while a LoRA sum's few
    /// directions keep most of it.
    public func defaultCoefficient(allLoRA: Bool) -> Double {
        switch self {
        case .taskArithmetic: return allLoRA ? 0.3 : 0.5
        case .ties: return 1.0
        case .tsv: return allLoRA ? 0.5 : 1.0
        case .isoC, .isoCTS: return allLoRA ? 1.0 : 3.0
        }
    }

    /// Whether 2-D linear weights are merged in the singular basis (other tensors then take the mean).
    public var isSubspaceMethod: Bool {
        switch self {
        case .tsv, .isoC, .isoCTS: return true
        case .taskArithmetic, .ties: return false
        }
    }
}

extension MergeMethod {
    /// mergekit's `merge_method` for the same merge, or nil when mergekit has none (TSV-M, Iso-C, Iso-CTS).
    public var mergekitName: String? {
        switch self {
        case .taskArithmetic: return "task_arithmetic"
        case .ties: return "ties"
        case .tsv, .isoC, .isoCTS: return nil
        }
    }
}

/// Spelling a command line for a comment or a message.
public enum MergeCommandLine {
    /// `argument` as a POSIX shell word: unchanged when it holds only safe characters, else single-quoted.
    public static func shellQuoted(_ argument: String) -> String {
        let safe = argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=+@%,".contains($0) }
        return safe && !argument.isEmpty ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `smile-inspect merge --base BASE --models … --method M --alpha c --out OUTPUT_DIR` (`--lambda` for
    /// task arithmetic and TIES), every path shell-quoted: the exact command that writes that merge.
    public static func merge(base: String, models: [String], method: MergeMethod, coefficient: Double) -> String {
        let arguments = (["--base", base, "--models"] + models).map(shellQuoted).joined(separator: " ")
        return "smile-inspect merge \(arguments) --method \(method.rawValue) \(method.isSubspaceMethod ? "--alpha" : "--lambda") \(coefficient) --out OUTPUT_DIR"
    }
}
