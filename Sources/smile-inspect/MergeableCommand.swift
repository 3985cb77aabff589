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
            error; 6 when --store alone is given and the store is not complete yet (the verdict then covers the \
            stored layers only). Thresholds are options; the README explains the defaults and the merges they \
            rest on. With --store the run resumes from and writes to a results store; --store alone judges \
            the stored layers again with the thresholds given, without opening a weight file.

            EXAMPLES:
              smile-inspect mergeable --base base/ --models full-a full-b && python merge.py
              smile-inspect mergeable --base base/ --models lora-a lora-b lora-c --format json -o verdict.json
              smile-inspect mergeable --base base/ --models a b --residual-risky 0.25 --include 'attention'
              smile-inspect mergeable --store results/ --residual-risky 0.25     # re-judge a stored run in milliseconds
            """)

    @OptionGroup var family: FamilyArguments
    @OptionGroup var selection: SelectionArguments
    @OptionGroup var report: ReportArguments
    @Flag(help: "Same as --format json (kept for scripts written before --format).")
    var json = false
    @OptionGroup var thresholds: ThresholdArguments
    @OptionGroup var analysis: AnalysisArguments
    @OptionGroup var execution: ExecutionArguments
    @OptionGroup var store: StoreArguments

    func validate() throws {
        try store.requireInputs(family)
        guard family.base == nil || family.models.count >= 2 else { throw ValidationError("a verdict needs at least two fine-tuned models") }
    }

    func run() throws {
        let level: Mergeability
        let missing: [String]
        do {
            var options = analysis.options
            options.computeIntruders = false
            options.thresholds = thresholds.thresholds
            guard case let .report(report, _, stillMissing) = try FamilyOutcome.obtain(
                family: family, selection: selection, options: options, execution: execution, store: store) else { return }
            guard let verdict = report.summary.verdict else { throw ValidationError("no linear weight matched; nothing to judge") }
            level = verdict.level
            missing = stillMissing
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
        try FamilyOutcome.finish(missing: missing)
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
