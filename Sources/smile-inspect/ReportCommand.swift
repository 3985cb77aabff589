import Analysis
import ArgumentParser
import Foundation

/// `smile-inspect report`: the whole-model report of a results store, without opening a weight file.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Build the whole-model report, verdict and figures from a results store alone.",
        discussion: """
            Reads the per-tensor results that `model` or `mergeable` runs with --store (one process, or \
            several --shard processes on a cluster) wrote to the store, and builds the same report `model` \
            prints: per-layer table, whole-model signals, pairs, verdict, SMILE cost, figures. No weight \
            file is opened; the verdict is judged with the thresholds given here, so re-judging a stored \
            run with other thresholds takes milliseconds.

            Exit status: 0 when every selected tensor has its result; 6 when some are missing (a shard \
            has not finished, or was killed: rerun it and it resumes) — the report then covers the stored \
            tensors and names the missing ones; 3 when the directory is not a store of this format. Use \
            `mergeable --store DIR` for an exit status that follows the verdict.

            EXAMPLES:
              smile-inspect report --store results/
              smile-inspect report --store results/ --format json -o report.json \\
                  --plots figs/
              smile-inspect report --store results/ --residual-risky 0.25 --format markdown
            """)

    @Option(help: ArgumentHelp("The results store directory.", valueName: "dir"), completion: .directory)
    var store: String
    @OptionGroup var thresholds: ThresholdArguments
    @OptionGroup var output: OutputArguments

    func run() throws {
        let missing: [String]
        do {
            let (report, stillMissing) = try FamilyOutcome.stored(store, thresholds: thresholds.thresholds)
            missing = stillMissing
            try ModelCommand.emit(report, performance: nil, output: output)
        } catch {
            throw reportFailure(error)
        }
        try FamilyOutcome.finish(missing: missing)
    }
}
