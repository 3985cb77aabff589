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
              smile-inspect mergeable --base base/ --models lora-a lora-b lora-c --format json -o verdict.json
              smile-inspect mergeable --base base/ --models a b --residual-risky 0.25 --include 'attention'
            """)

    @OptionGroup var family: FamilyArguments
    @OptionGroup var selection: SelectionArguments
    @OptionGroup var report: ReportArguments
    @Flag(help: "Same as --format json (kept for scripts written before --format).")
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
    @OptionGroup var analysis: AnalysisArguments
    @OptionGroup var execution: ExecutionArguments

    func validate() throws {
        guard family.models.count >= 2 else { throw ValidationError("a verdict needs at least two fine-tuned models") }
        guard residualRisky <= residualNotMergeable, topEnergyRisky <= topEnergyNotMergeable else {
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
                topEnergyRisky: topEnergyRisky, topEnergyNotMergeable: topEnergyNotMergeable)
            let progress = ProgressLine(enabled: !selection.quiet)
            let (report, performance) = try FamilyAnalyzer(options: options, include: selection.include, exclude: selection.exclude, execution: execution.settings)
                .analyzeMeasured(try family.open()) { progress.update($0) }
            progress.finish()
            ExecutionArguments.report(performance, quiet: selection.quiet)
            guard let verdict = report.summary.verdict else { throw ValidationError("no linear weight matched; nothing to judge") }
            level = verdict.level
            let text: String
            switch json ? .json : self.report.format {
            case .text: text = ModelReport.verdict(report).text
            case .markdown: text = ModelReport.verdict(report).markdown
            case .json:
                let result = MergeableResult(verdict: verdict, summary: report.summary, taskTotals: TaskTotals.of(report.layers, taskNames: report.taskNames))
                text = try ReportOutput.json(result, command: "mergeable")
            case .csv: text = VerdictReport.csvTable(verdict, pairs: report.summary.pairs).csv
            }
            try self.report.emit(text)
        } catch {
            throw reportFailure(error)
        }
        if level != .mergeable { throw ExitCode(level.exitCode) }
    }
}

/// The JSON of `mergeable --format json`: the verdict with the whole-model summary it rests on and each
/// task's model-level totals.
struct MergeableResult: Codable {
    var verdict: MergeVerdict
    var summary: FamilySummary
    var taskTotals: [TaskTotals]
}
