import ArgumentParser

/// The `smile-inspect` command: a family of subcommands over a pretrained checkpoint and its fine-tunes.
@main
struct SmileInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smile-inspect",
        abstract: "See where fine-tunings wrote their updates in a pretrained model's singular basis, and whether they merge.",
        subcommands: [ListCommand.self, MergeableCommand.self])
}
