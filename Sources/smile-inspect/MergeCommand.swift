import Analysis
import ArgumentParser
import Foundation

/// `smile-inspect merge`: write the merge of a base and its fine-tunes as a checkpoint shaped like the base.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge fine-tunes (full or LoRA) into one checkpoint: task arithmetic, TIES, TSV-M, Iso-C or Iso-CTS.",
        discussion: """
            Writes θ = θ_pre + c·M for every tensor, with τᵢ = θᵢ − θ_pre (a LoRA adapter's τ is s·BA on the \
            weights it adapts) and M by --method:

              ta       M = Σᵢ τᵢ on every tensor (task arithmetic; c is λ)
              ties     TIES per tensor: keep the top --density of |τᵢ|, elect the sign of the sum, M = mean
                       of the agreeing entries (c is λ)
              tsv      TSV-M (Gargiulo et al., CVPR 2025) on 2-D linear weights: each τᵢ keeps its top
                       min(m, n)/T singular triplets, the stacked singular vectors are orthogonalised (c is α)
              iso-c    Iso-C (Marczak et al., ICML 2025): the SVD of Σᵢ τᵢ, every singular value set to
                       their mean (c is α)
              iso-cts  Iso-CTS: a common subspace (--common-fraction of the sum's directions) plus each
                       task's own directions, orthogonalised and flattened (c is α)
              auto     the default, chosen by the accuracy kept on measured real merges (README,
                       "Merging"): Iso-C α 3 for full fine-tunes, TSV-M α 0.5 when every model is a
                       LoRA adapter — a recommendation by evidence, not a prediction

            With tsv, iso-c and iso-cts, embeddings, norms and biases get c times the mean update, as the \
            reference code does. Subspaces are limited to each update's numerical rank, so LoRA sums do \
            not spread weight over directions no adapter touched. Without --alpha/--lambda the method's \
            default is used (the best measured; full / all-LoRA): ta 0.5 / 0.3, ties 1, tsv 1 / 0.5, iso-c \
            and iso-cts 3 / 1.

            DIR gets the base's tensor names, shapes, dtypes and shard files, its config, tokenizer and \
            generation files, merge_config.json and README.md; it appears atomically (a failure leaves \
            nothing), and an existing DIR is refused unless --force, which replaces only a previous \
            merge output or an empty directory. One tensor of each model is in memory at a time.

            The compatibility check of `smile-inspect check` runs first, on every tensor: an incompatible \
            family stops before any weight is read; warnings go to standard error and the JSON \
            (`compatibility`).

            Exit status: 0 success; 3 input error (unreadable inputs, an incompatible family, shapes that \
            differ, NaN or Inf in an update, a method the inputs cannot serve); 4 analysis error (SVD \
            failure); 5 output error (DIR exists, cannot write; checked first); 64 usage error.

            EXAMPLES:
              smile-inspect merge --base base/ --models a b c --out merged/
              smile-inspect merge --base base/ --models a b --method ta --lambda 0.5 \\
                  --out merged-ta/
              smile-inspect merge --base base/ --models lora-a lora-b --method iso-c \\
                  --alpha 1.5 --out merged/ --force
            """)

    enum MethodChoice: String, ExpressibleByArgument, CaseIterable {
        case auto, ta, ties, tsv, isoC = "iso-c", isoCTS = "iso-cts"
    }

    @OptionGroup var family: FamilyArguments
    @Option(help: ArgumentHelp("Output directory (created atomically; refused if it exists, see --force).", valueName: "dir"), completion: .directory)
    var out: String
    @Option(help: "Merging method: auto, ta, ties, tsv, iso-c or iso-cts.")
    var method: MethodChoice = .auto
    @Option(name: [.customLong("alpha"), .customLong("lambda")], parsing: .unconditional, help: ArgumentHelp("The coefficient c in θ_pre + c·M (default: the method's).", valueName: "c"))
    var coefficient: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("TIES: share of each task vector's entries kept, in (0, 1].", valueName: "d"))
    var density = 0.2
    @Option(parsing: .unconditional, help: ArgumentHelp("Iso-CTS: share of the sum's directions kept as the common subspace, in [0, 1].", valueName: "f"))
    var commonFraction = 0.8
    @Flag(help: "Replace DIR if it is a previous merge output or empty (atomically).")
    var force = false
    @OptionGroup var report: ReportArguments
    @Flag(help: "No progress line on standard error.")
    var quiet = false

    func validate() throws {
        try family.requireFamily()
        if let coefficient, !coefficient.isFinite { throw ValidationError("--alpha/--lambda must be a finite number, got \(coefficient)") }
        guard density > 0, density <= 1 else { throw ValidationError("--density must be in (0, 1], got \(density)") }
        guard commonFraction >= 0, commonFraction <= 1 else { throw ValidationError("--common-fraction must be in [0, 1], got \(commonFraction)") }
        if method != .ties, method != .auto, density != 0.2 { throw ValidationError("--density applies to --method ties only") }
        if method != .isoCTS, method != .auto, commonFraction != 0.8 { throw ValidationError("--common-fraction applies to --method iso-cts only") }
    }

    /// The report: what was written, and the recommendation when the method was chosen automatically.
    struct MergeReport: Encodable {
        var output: String
        var merge: MergeRecord
        var recommendation: MergeRecommendation?
    }

    func run() throws {
        do {
            try report.check()
            let compatibility = try CompatibilityGate.check(self.family, selection: .all)
            let family = try self.family.open()
            var recommendation: MergeRecommendation?
            let settings: MergeSettings
            let allLoRA = family.modelKinds.allLoRA
            if let chosen = MergeMethod(rawValue: method.rawValue) {
                settings = MergeSettings(method: chosen, coefficient: coefficient ?? chosen.defaultCoefficient(allLoRA: allLoRA), density: density,
                                         commonFraction: commonFraction, replaceExisting: force)
            } else {
                let recommended = MergeRecommendation.recommended(kinds: family.modelKinds)
                recommendation = recommended
                settings = MergeSettings(method: recommended.method, coefficient: coefficient ?? recommended.coefficient, density: density,
                                         commonFraction: commonFraction, replaceExisting: force)
            }
            let progress = ProgressLine(enabled: !quiet)
            let record = try ModelMerger(settings: settings).merge(family, to: URL(fileURLWithPath: out)) { progress.update($0) }
            progress.finish()
            let result = MergeReport(output: out, merge: record, recommendation: recommendation)
            switch report.format {
            case .json: try report.emit(try ReportOutput.json(CheckedDocument(body: result, compatibility: compatibility), command: "merge"))
            case .markdown: try report.emit(Self.lines(result).map { "- \($0)" }.joined(separator: "\n") + "\n")
            case .text: try report.emit(Self.lines(result).joined(separator: "\n") + "\n")
            case .csv: try report.emit(Self.csvTable(result).csv)
            }
        } catch {
            throw reportFailure(error)
        }
    }

    /// One CSV row: what was written, with which method and coefficient.
    static func csvTable(_ report: MergeReport) -> ReportTable {
        let record = report.merge
        return ReportTable(
            headers: ["output", "method", "coefficient", "density", "common_fraction", "models", "subspace_weights", "method_tensors", "from_base", "recommended"],
            rows: [[report.output, record.method, String(record.coefficient), record.density.map { String($0) } ?? "", record.commonFraction.map { String($0) } ?? "",
                    record.models.map(\.task).joined(separator: ";"), String(record.subspaceWeights), String(record.methodTensors), String(record.fromBase.count),
                    report.recommendation == nil ? "false" : "true"]])
    }

    /// The text report, one statement per line.
    static func lines(_ report: MergeReport) -> [String] {
        let record = report.merge
        let method = MergeMethod(rawValue: record.method)!
        var lines = [String]()
        if let recommendation = report.recommendation {
            lines.append("method auto: \(recommendation.method.displayName) at \(recommendation.coefficient) — \(recommendation.reason)")
        }
        let parameters = [record.density.map { "density \($0)" }, record.commonFraction.map { "common fraction \($0)" }].compactMap { $0 }
        lines.append("Merged \(record.models.count) models (\(record.models.map(\.task).joined(separator: ", "))) with \(method.displayName), "
            + "coefficient \(record.coefficient)\(parameters.isEmpty ? "" : ", " + parameters.joined(separator: ", ")) into \(report.output)")
        if method.isSubspaceMethod {
            lines.append("\(record.subspaceWeights) linear weights merged in the singular basis; \(record.methodTensors) other tensors got the mean update; \(record.fromBase.count) copied from the base")
        } else {
            lines.append("\(record.methodTensors) tensors merged; \(record.fromBase.count) copied from the base")
        }
        lines.append("files: " + (record.files + [MergeRecord.fileName, "README.md"]).joined(separator: ", "))
        return lines + record.notes.map { "note: \($0)" }
    }
}
