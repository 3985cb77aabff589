import Analysis
import ArgumentParser
import Foundation

/// `smile-inspect mergeable`: the verdict alone, as an exit status a script can gate on.
struct MergeableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mergeable",
        abstract: "Decide whether a set of fine-tunes can be merged by task arithmetic; exit 0, 1 or 2.",
        discussion: """
            Reads three data-free signals over every linear weight and says which fired: the worst task's \
            interference residual at the best task-arithmetic scale λ* (how much of its own update's error \
            a task keeps after merging), the task-vector cosines, and the share of each update written \
            into the pretrained top singular zone. It names the layers and task pairs behind the verdict, \
            recommends λ*, and states what SMILE upscaling would cost instead.

            Exit status: 0 mergeable, 1 risky, 2 not mergeable; 3 input error, 4 analysis error, 64 usage \
            error. Thresholds are options; the README explains the defaults and the merges they rest on.

            EXAMPLES:
              smile-inspect mergeable --base base/ --models full-a full-b && python merge.py
              smile-inspect mergeable --base base/ --models lora-a lora-b lora-c --json
              smile-inspect mergeable --base base/ --models a b --residual-risky 0.25 --include 'attention'
              smile-inspect mergeable --base base/ --models a b c d --plan --emit-mergekit merge.yml
              mergekit-yaml merge.yml merged/        # or merge.group-1.yml for the first mergeable group
              smile-inspect mergeable --base base/ --models a b --mergekit ties.yml

            --plan judges every subset of the models (every one up to 12 models, greedily beyond) from the             same whole-model statistics, and prints the largest mergeable subsets and a partition into             mergeable groups, each with λ* and per-model weights w*; models in no group are candidates for             SMILE experts. w* minimises the same residual with one weight per model; --ridge pulls it toward             λ*. All of these are data-free estimates.

            --emit-mergekit FILE writes mergekit task_arithmetic configs: FILE for the whole set,             STEM.group-N.EXT for each mergeable group that is not the whole set, at λ* (--emit-weights             lambda) or w* (wstar); paths as given here, LoRA adapters as base+adapter.

            --mergekit config.yml judges that mergekit merge (task_arithmetic, linear, ties, dare_ties, \
            dare_linear, della, breadcrumbs…): the residuals at its effective weights (weight, normalize, \
            lambda) beside λ* and w*. Its base_model and models must be local paths given as --base and \
            --models; the config is checked before any weight is read. For sparsifying methods the \
            residuals are those of the dense sum: trimming, dropping and sign election are not modelled.
            """)

    @OptionGroup var family: FamilyArguments
    @OptionGroup var selection: SelectionArguments
    @Flag(help: "Print the verdict as JSON.")
    var json = false
    @Option(help: "Worst-task residual L(λ*) at which the set becomes risky.")
    var residualRisky = VerdictThresholds().residualRisky
    @Option(help: "Worst-task residual L(λ*) at which the set is not mergeable.")
    var residualNotMergeable = VerdictThresholds().residualNotMergeable
    @Option(help: "|cosine| between task vectors at which the set becomes risky.")
    var cosineRisky = VerdictThresholds().cosineRisky
    @Option(help: "Top-zone energy E_I at which the set becomes risky.")
    var topEnergyRisky = VerdictThresholds().topEnergyRisky
    @Option(help: "Top-zone energy E_I at which the set is not mergeable.")
    var topEnergyNotMergeable = VerdictThresholds().topEnergyNotMergeable
    @Option(help: "Share of the update energy in layers that are not mergeable on their own at which the set becomes risky.")
    var layerShareRisky = VerdictThresholds().layerShareRisky
    @Option(help: "Share of the update energy in layers that are not mergeable on their own at which the set is not mergeable.")
    var layerShareNotMergeable = VerdictThresholds().layerShareNotMergeable
    @Flag(help: "Print the merge plan: largest mergeable subsets, mergeable groups with λ* and w*, SMILE-expert candidates.")
    var plan = false
    @Option(help: "Ridge pulling the per-model weights w* toward the uniform λ* (dimensionless; 0 = none).")
    var ridge = 0.0
    @Option(help: ArgumentHelp("Write mergekit task_arithmetic configs for the whole set and each mergeable group.", valueName: "file"))
    var emitMergekit: String?
    @Option(help: "Weights written by --emit-mergekit: lambda (uniform λ*) or wstar (per-model w*).")
    var emitWeights: MergekitPlan.Weighting = .lambdaStar
    @Option(help: ArgumentHelp("Judge this mergekit config (its models must be among --models): residuals at its weights beside λ* and w*.", valueName: "config.yml"))
    var mergekit: String?
    @OptionGroup var analysis: AnalysisArguments
    @OptionGroup var execution: ExecutionArguments

    func validate() throws {
        guard family.models.count >= 2 else { throw ValidationError("a verdict needs at least two fine-tuned models") }
        guard ridge >= 0, ridge.isFinite else { throw ValidationError("--ridge must be a finite number ≥ 0") }
        guard residualRisky <= residualNotMergeable, topEnergyRisky <= topEnergyNotMergeable, layerShareRisky <= layerShareNotMergeable else {
            throw ValidationError("each risky threshold must not exceed its not-mergeable threshold")
        }
    }

    func run() throws {
        let level: Mergeability
        do {
            var options = analysis.options
            options.computeIntruders = false
            options.thresholds = VerdictThresholds(
                residualRisky: residualRisky, residualNotMergeable: residualNotMergeable, cosineRisky: cosineRisky,
                topEnergyRisky: topEnergyRisky, topEnergyNotMergeable: topEnergyNotMergeable,
                layerShareRisky: layerShareRisky, layerShareNotMergeable: layerShareNotMergeable)
            let config = try mergekit.map { path in
                let config = try MergekitConfig(yaml: try String(contentsOfFile: path, encoding: .utf8), file: path)
                return (config, try config.familyIndices(base: family.base, models: family.models, file: path))
            }
            let progress = ProgressLine(enabled: !selection.quiet)
            let opened = try family.open()
            var (report, performance) = try FamilyAnalyzer(options: options, include: selection.include, exclude: selection.exclude, execution: execution.settings)
                .analyzeMeasured(opened) { progress.update($0) }
            progress.finish()
            ExecutionArguments.report(performance, quiet: selection.quiet)
            if ridge > 0 { report.summary.applyRidge(ridge, thresholds: options.thresholds) }
            guard let verdict = report.summary.verdict else { throw ValidationError("no linear weight matched; nothing to judge") }
            level = verdict.level
            var text = ModelReport.verdict(report)
            if plan, let mergePlan = report.summary.plan { text.append(VerdictReport.plan(mergePlan)) }
            let judgement = config.flatMap { config, tasks in
                report.summary.interference.map { MergekitJudgement(config: config, tasks: tasks, interference: $0, ridge: ridge) }
            }
            if let judgement { text.append(VerdictReport.mergekit(judgement, taskNames: report.summary.taskNames)) }
            print(json ? try ReportOutput.json(MergeableResult(verdict: verdict, summary: report.summary, mergekit: judgement)) : text.text, terminator: "")
            if let emitMergekit {
                let dtype = opened.matched.first(where: \.isLinearWeight).flatMap { MergekitConfig.dtypeName($0.dtype) }
                let configs = MergekitPlan(summary: report.summary, base: family.base, models: family.models, kinds: opened.modelKinds, dtype: dtype, weighting: emitWeights)
                let written = try configs.write(to: URL(fileURLWithPath: emitMergekit))
                FileHandle.standardError.write(Data("mergekit configs: \(written.map(\.path).joined(separator: ", "))\n".utf8))
            }
        } catch {
            throw reportFailure(error)
        }
        if level != .mergeable { throw ExitCode(level.exitCode) }
    }
}

extension MergekitPlan.Weighting: ExpressibleByArgument {}

/// The JSON of `mergeable --json`: the verdict with the whole-model summary it rests on.
struct MergeableResult: Codable {
    var verdict: MergeVerdict
    var summary: FamilySummary
    /// The judged mergekit config, when `--mergekit` was given.
    var mergekit: MergekitJudgement?
}
