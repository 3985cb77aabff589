import Analysis
import ArgumentParser
import Foundation

/// `smile-inspect model`: every matching weight of a family, a summary, and the depth profile.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Analyse every weight of a family: per-layer table, whole-model signals, verdict and SMILE cost.",
        discussion: """
            Streams the checkpoints one tensor at a time (only that tensor of every model is in memory), \
            analyses every 2-D linear weight as `layer` does, every 3-D/4-D tensor per mode (HOSVD), and \
            every 1-D tensor by its change in norm. The summary combines the layers: ‖ΔW‖²-weighted zone \
            energies per task, the whole-model interference objective with one λ*, task-vector cosines, \
            every pair's merge, and the verdict.

            A progress line (layers done, current layer, ETA) is drawn on standard error when it is a \
            terminal; --quiet silences it. --format csv gives one row per (layer, task); json gives the \
            whole FamilyReport.

            With --store DIR every tensor's result is written to DIR as soon as it is done; a rerun (after a \
            kill, or with another --format) reuses the results computed from the same inputs and options and \
            computes the rest. --shard i/N computes one cost-balanced part; --store alone builds the report \
            from the stored results without opening a weight file (exit 6 when some are still missing; an \
            analysis option or --include/--exclude given with another value than the store was computed \
            with is refused, exit 3).

            EXAMPLES:
              smile-inspect model --base base/ --models full-a full-b full-c
              smile-inspect model --base base/ --models a b --include 'attention' \\
                  --exclude 'layer\\.0\\.' --format csv -o layers.csv
              smile-inspect model --base base/ --models a b c --plots figs/ --quiet
              smile-inspect model --base base/ --models a b c --store results/ --quiet
              smile-inspect model --store results/ --format json   # from the store alone
              smile-inspect model --base base/ --models a b c --store shards/ \\
                  --shard 0/4 --quiet   # one of four; then: report --store shards/
              smile-inspect model --mergekit ties.yml   # the config's family, judged

            --mergekit config.yml analyses the config's base_model and models (or checks they are among \
            --base and --models) and appends the judged merge as `mergeable --mergekit` does: residuals at \
            its weights beside λ* and w*, and for ties / dare / della configs the trimming energy and sign \
            conflict of every layer (in each layer's JSON record) and of the model.
            """)

    @OptionGroup var family: FamilyArguments
    @OptionGroup var selection: SelectionArguments
    @OptionGroup var analysis: AnalysisArguments
    @OptionGroup var output: OutputArguments
    @OptionGroup var execution: ExecutionArguments
    @OptionGroup var store: StoreArguments
    @OptionGroup var mergekit: MergekitArguments

    func validate() throws {
        if !mergekit.namesTheFamily(family) { try store.requireInputs(family) }
    }

    func run() throws {
        let missing: [String]
        do {
            let config = try mergekit.resolve(family)
            guard case let .report(report, performance, stillMissing) = try FamilyOutcome.obtain(
                family: config?.family ?? family, selection: selection, analysis: analysis, options: MergekitArguments.options(analysis.options, for: config),
                execution: execution, store: store, wholeModel: config != nil) else { return }
            missing = stillMissing
            try Self.emit(report, performance: performance, output: output, mergekit: MergekitArguments.judge(config, report: report))
        } catch {
            throw reportFailure(error)
        }
        try FamilyOutcome.finish(missing: missing)
    }

    /// Writes a family report in the requested format (JSON: the FamilyReport, with its `performance`
    /// section when something was computed and the judged `mergekit` config when given) and its figures.
    static func emit(_ report: FamilyReport, performance: PerformanceReport?, output: OutputArguments, mergekit: MergekitJudgement? = nil) throws {
        func document() -> ReportDocument {
            var document = ModelReport.document(report)
            if let mergekit { document.append(VerdictReport.mergekit(mergekit, taskNames: report.summary.taskNames)) }
            return document
        }
        let text: String
        switch output.format {
        case .text: text = document().text
        case .markdown: text = document().markdown
        case .json: text = try ReportOutput.json(FamilyReportDocument(report: report, performance: performance, mergekit: mergekit), command: "model")
        case .csv: text = LayerReport.csvTable(report.layers).csv
        }
        try ReportOutput.emit(text, to: output.output)
        if let directory = output.plots {
            let written = try FigureWriter(directory: directory).familyFigures(report)
            FileHandle.standardError.write(Data("figures: \(written.count) PNG files in \(directory)\n".utf8))
        }
    }
}
