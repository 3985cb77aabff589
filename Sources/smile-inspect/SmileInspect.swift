import ArgumentParser
import Foundation

/// The `smile-inspect` command: a family of subcommands over a pretrained checkpoint and its fine-tunes.
@main
struct SmileInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smile-inspect",
        abstract: "See where fine-tunings wrote their updates in a pretrained model's singular basis, and whether they merge.",
        discussion: """
            Start with `smile-inspect demo`, which builds a small example family, analyses it and explains \
            the result. On your own models: `model` for the whole family, `layer` for one weight, \
            `mergeable` for a verdict a script can gate on, `merge` to write a merged checkpoint, `upscale` to \
            build a SMILE mixture of experts, `list` to see what a checkpoint holds, `check` to see from \
            configs, tokenizers and headers alone whether a merge is possible, `report` to build the report \
            of a results store (--store).

            Exit status: 0 success (mergeable), 1 risky, 2 not mergeable, 3 input error, 4 analysis error, \
            5 output error, 6 incomplete results store, 64 usage error. A closed pipe on standard output \
            (… | head -1) ends the run quietly.
            """,
        subcommands: [
            DemoCommand.self, CheckCommand.self, ModelCommand.self, LayerCommand.self, MergeableCommand.self, ReportCommand.self, MergeCommand.self, UpscaleCommand.self, ListCommand.self,
        ])

    /// Runs the command line. SIGPIPE gets its default action, unblocked, whatever the parent set, so that
    /// a reader that stops early (`… | head -1`) ends the run quietly, as for any Unix tool, instead of a
    /// write error (exit 5).
    static func main() {
        signal(SIGPIPE, SIG_DFL)
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        sigprocmask(SIG_UNBLOCK, &pipeSignal, nil)
        main(nil)
    }
}
