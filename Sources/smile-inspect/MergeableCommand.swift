import Analysis
import ArgumentParser
import Foundation

/// `smile-inspect mergeable`: the verdict alone, as an exit status a script can gate on.
struct MergeableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mergeable",
        abstract: "Decide whether a set of fine-tunes can be merged by task arithmetic; exit 0, 1 or 2.",
        discussion: """
            Reads four data-free signals over every linear weight and says which fired: the worst task's \
            interference residual at the best task-arithmetic scale λ* (how much of its own update's error \
            a task keeps after merging), the task-vector cosines, the share of each update written into the \
            pretrained top singular zone, and the share of the update energy held by layers that are not \
            mergeable on their own. It names the layers and task pairs behind the verdict, recommends λ*, \
            and states what SMILE upscaling would cost instead. Every pair (and, with --plan, every group \
            and subset) names the signal that decided its level.

            Exit status: 0 mergeable, 1 risky, 2 not mergeable; 3 input error, 4 analysis error, 5 output \
            error (-o, --emit-mergekit or --store cannot be written; checked before any analysis), 64 usage \
            error; 6 when --store alone is given and the store is not complete yet (the verdict then covers the \
            stored layers only). Thresholds are options; the README explains the defaults and the merges they \
            rest on. With --store the run resumes from and writes to a results store; --store alone judges \
            the stored layers again with the thresholds given, without opening a weight file (an analysis \
            option given with another value than the store's is refused, exit 3).

            EXAMPLES:
              smile-inspect mergeable --base base/ --models full-a full-b && ./merge.sh
              smile-inspect mergeable --base base/ --models lora-a lora-b lora-c \\
                  --format json -o verdict.json
              smile-inspect mergeable --base base/ --models a b --residual-risky 0.25 \\
                  --include 'attention'
              smile-inspect mergeable --store results/ --residual-risky 0.25   # re-judge
              smile-inspect mergeable --base base/ --models a b c d --plan \\
                  --emit-mergekit merge.yml
              mergekit-yaml merge.yml merged/   # or merge.group-1.yml: the first group
              smile-inspect mergeable --base base/ --models a b --mergekit ties.yml

            --plan judges every subset of the models (every one up to 12 models, greedily beyond) from the \
            same whole-model statistics, and prints the largest mergeable subsets and a partition into \
            mergeable groups, each with λ* and per-model weights w*; models in no group are candidates for \
            SMILE experts. w* minimises the same residual with one weight per model; --ridge pulls it toward \
            λ*. All of these are data-free estimates (from a --store too: no SVD is recomputed).

            --plan also tables every method of `smile-inspect merge` (ta, ties, tsv, iso-c, iso-cts): the \
            residual L = mean over tasks of Σ‖(c·M − τᵢ)Pᵢ‖² / Σ‖τᵢPᵢ‖² of its merged update M at the \
            method's default coefficient c and at the c* minimising it, and ends with the recommended merge \
            and the exact `smile-inspect merge` command that writes it. L ranks merges of one method, not \
            methods (README, "Merging"), so expected kept is shown for task arithmetic only and the \
            recommendation is the measured one, not a prediction. The merges behind L cost extra SVDs per \
            layer, so only --plan computes them; records of a --store written without --plan are recomputed \
            by a --plan run with --base and --models, and refused (exit 3) by a --plan run from the store alone.

            --emit-mergekit FILE writes mergekit task_arithmetic configs: FILE for the whole set, \
            STEM.group-N.EXT for each mergeable group that is not the whole set, at λ* (--emit-weights \
            lambda) or w* (wstar); paths as given here (a relative local path written ./path, so that \
            mergekit does not ask the Hub whether base/ is a repo), LoRA adapters as base+adapter.

            --mergekit config.yml judges that mergekit merge (task_arithmetic, linear, ties, dare_ties, \
            dare_linear, della, breadcrumbs…): the residuals at its effective weights (weight, normalize, \
            lambda) beside λ* and w*. Without --base and --models its base_model and models are analysed \
            (local paths or repo ids in the Hugging Face cache); with them, the config's must be among them. \
            The config is checked before any weight is read. For sparsifying methods the residuals are those \
            of the dense sum; for ties, dare_ties, dare_linear, della and della_linear the report adds what \
            the sum does not see: the share of each update's energy trimming to `density` removes (exact for \
            ties, expected for the random drops), the share of entries kept by two or more models whose signs \
            disagree, and the energy TIES' sign election discards.
            """)

    @OptionGroup var family: FamilyArguments
    @OptionGroup var selection: SelectionArguments
    @OptionGroup var report: ReportArguments
    @Flag(help: ArgumentHelp("Same as --format json (kept for scripts written before --format).", visibility: .hidden))
    var json = false
    @OptionGroup var thresholds: ThresholdArguments
    @Flag(help: "Print the merge plan: largest mergeable subsets, mergeable groups with λ* and w*, SMILE-expert candidates, every merging method's residual and the recommended merge.")
    var plan = false
    @Option(parsing: .unconditional, help: "Ridge pulling the per-model weights w* toward the uniform λ* (dimensionless; 0 = none).")
    var ridge = 0.0
    @Option(help: ArgumentHelp("Write mergekit task_arithmetic configs for the whole set and each mergeable group.", valueName: "file"))
    var emitMergekit: String?
    @Option(help: "Weights written by --emit-mergekit: lambda (uniform λ*) or wstar (per-model w*).")
    var emitWeights: MergekitPlan.Weighting = .lambdaStar
    @OptionGroup var mergekit: MergekitArguments
    @OptionGroup var analysis: AnalysisArguments
    @OptionGroup var execution: ExecutionArguments
    @OptionGroup var store: StoreArguments

    func validate() throws {
        if !mergekit.namesTheFamily(family) { try store.requireInputs(family) }
        guard family.base == nil || family.models.count >= 2 else { throw ValidationError("a verdict needs at least two fine-tuned models") }
        guard ridge >= 0, ridge.isFinite else { throw ValidationError("--ridge must be a finite number ≥ 0") }
        if family.base == nil, mergekit.mergekit == nil, emitMergekit != nil {
            throw ValidationError("--emit-mergekit needs the family's paths: give --base and --models (or --mergekit config.yml)")
        }
    }

    func run() throws {
        let level: Mergeability
        let missing: [String]
        do {
            try report.check()
            if let emitMergekit { try OutputPath.checkFile(emitMergekit) }
            let config = try mergekit.resolve(self.family)
            let family = config?.family ?? self.family
            var options = MergekitArguments.options(analysis.options, for: config)
            options.computeIntruders = false
            options.thresholds = thresholds.thresholds
            guard case .report(var report, _, let stillMissing) = try FamilyOutcome.obtain(
                family: family, selection: selection, analysis: analysis, options: options, execution: execution, store: store,
                wholeModel: emitMergekit != nil || config != nil, methodResiduals: plan) else { return }
            missing = stillMissing
            if ridge > 0 { report.summary.applyRidge(ridge, thresholds: options.thresholds) }
            guard let verdict = report.summary.verdict else { throw InputError("no linear weight matched; nothing to judge") }
            let methods = plan ? try methodTable(report, family: family) : nil
            level = verdict.level
            let judgement = MergekitArguments.judge(config, report: report, ridge: ridge)
            let text: String
            switch json ? .json : self.report.format {
            case .text, .markdown:
                var document = ModelReport.verdict(report)
                if plan, let mergePlan = report.summary.plan { document.append(VerdictReport.plan(mergePlan)) }
                if let methods { document.append(MethodReport.document(methods)) }
                if let judgement { document.append(VerdictReport.mergekit(judgement, taskNames: report.summary.taskNames)) }
                document.append(CompatibilityDocument.warnings(report.compatibility))
                text = self.report.format == .markdown ? document.markdown : document.text
            case .json:
                let result = MergeableResult(verdict: verdict, summary: report.summary, taskTotals: TaskTotals.of(report.layers, taskNames: report.taskNames), mergekit: judgement, methods: methods)
                text = try ReportOutput.json(CheckedDocument(body: result, compatibility: report.compatibility), command: "mergeable")
            case .csv: text = VerdictReport.csvTable(verdict, pairs: report.summary.pairs, plan: plan ? report.summary.plan : nil, methods: methods).csv
            }
            try self.report.emit(text)
            if let emitMergekit, let base = family.base {
                let opened = try family.open()
                let dtype = opened.matched.first(where: \.isLinearWeight).flatMap { MergekitConfig.dtypeName($0.dtype) }
                let configs = MergekitPlan(summary: report.summary, base: base, models: family.models, kinds: opened.modelKinds, dtype: dtype, weighting: emitWeights)
                let written = try configs.write(to: URL(fileURLWithPath: emitMergekit))
                ReportOutput.note("mergekit configs: \(written.map(\.path).joined(separator: ", "))\n")
            }
        } catch {
            throw reportFailure(error)
        }
        try FamilyOutcome.finish(missing: missing)
        if level != .mergeable { throw ExitCode(level.exitCode) }
    }

    /// The per-method table of `--plan` from the report's per-layer sums, with the models' kinds and paths
    /// from the family (or the store's manifest). Throws one line (exit 3) when a layer lacks the sums: a
    /// store written without `--plan`, read alone.
    private func methodTable(_ report: FamilyReport, family: FamilyArguments) throws -> MethodResidualTable {
        let lacking = MethodResidualSums.lacking(in: report.layers)
        guard lacking.isEmpty, let sums = MethodResidualSums.combined(report.layers.compactMap(\.methodResiduals)) else {
            throw InputError("\(store.store ?? "the report"): \(lacking.count) of \(report.layers.count) layers have no per-method residuals (stored by a run without --plan, e.g. \(lacking.first ?? "none")); run mergeable --plan with --base, --models and this --store to add them")
        }
        let kinds: [ModelKind]
        if family.base != nil {
            kinds = try family.open().modelKinds
        } else {
            let manifest = try ResultsStore.open(at: URL(fileURLWithPath: store.store!)).manifest
            kinds = manifest.models.map { ModelKind(rawValue: $0.kind) ?? .full }
        }
        return MethodResidualTable(
            sums: sums, layers: report.layers.count - lacking.count, taskNames: report.taskNames, energyFraction: report.options.interferenceEnergy,
            kinds: kinds, base: family.base ?? report.base, models: family.base != nil ? family.models : report.models)
    }
}

extension MergekitPlan.Weighting: ExpressibleByArgument {}

/// The JSON of `mergeable --format json`: the verdict with the whole-model summary it rests on, each
/// task's model-level totals and, with `--mergekit`, the judged config.
struct MergeableResult: Codable {
    var verdict: MergeVerdict
    var summary: FamilySummary
    var taskTotals: [TaskTotals]
    /// The judged mergekit config, when `--mergekit` was given.
    var mergekit: MergekitJudgement?
    /// With `--plan`: every merging method's residual and the recommended merge.
    var methods: MethodResidualTable?
}
