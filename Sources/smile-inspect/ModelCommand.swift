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

            EXAMPLES:
              smile-inspect model --base base/ --models full-a full-b full-c
              smile-inspect model --base base/ --models a b --include 'attention' --exclude 'layer\\.0\\.' --format csv -o layers.csv
              smile-inspect model --base base/ --models a b c --plots figs/ --quiet
            """)

    @OptionGroup var family: FamilyArguments
    @OptionGroup var selection: SelectionArguments
    @OptionGroup var analysis: AnalysisArguments
    @OptionGroup var output: OutputArguments
    @OptionGroup var execution: ExecutionArguments

    func run() throws {
        do {
            let family = try self.family.open()
            let progress = ProgressLine(enabled: !selection.quiet)
            let (report, performance) = try FamilyAnalyzer(options: analysis.options, include: selection.include, exclude: selection.exclude, execution: execution.settings)
                .analyzeMeasured(family) { progress.update($0) }
            progress.finish()
            ExecutionArguments.report(performance, quiet: selection.quiet)
            let text: String
            switch output.format {
            case .text: text = ModelReport.document(report).text
            case .markdown: text = ModelReport.document(report).markdown
            case .json: text = try ReportOutput.json(FamilyReportDocument(report: report, performance: performance), command: "model")
            case .csv: text = LayerReport.csvTable(report.layers).csv
            }
            try ReportOutput.emit(text, to: output.output)
            if let directory = output.plots {
                let written = try FigureWriter(directory: directory).familyFigures(report)
                FileHandle.standardError.write(Data("figures: \(written.count) PNG files in \(directory)\n".utf8))
            }
        } catch {
            throw reportFailure(error)
        }
    }
}
