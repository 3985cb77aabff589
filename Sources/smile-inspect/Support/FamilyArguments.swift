import Analysis
import ArgumentParser

/// The options every family command shares: the base, the fine-tuned models and their names.
struct FamilyArguments: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The pretrained checkpoint: a .safetensors or pytorch_model.bin file, a Hugging Face model directory, or a repo id org/name[@revision] in the local Hub cache (not needed to report from --store).", valueName: "path"), completion: .file())
    var base: String?

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Fine-tuned models: checkpoints (file, directory or Hub repo id org/name[@revision]) or PEFT LoRA adapters.", valueName: "path"), completion: .file())
    var models: [String] = []

    @Option(name: .customLong("name"), parsing: .upToNextOption, help: ArgumentHelp("Task names, one per model (default: directory or file names).", valueName: "name"))
    var names: [String] = []

    @Option(help: ArgumentHelp("Weights stored in × out (like GPT-2's Conv1D) whose name matches this regular expression: they are read transposed and analysed as out × in (upscale refuses them). GPT-2-family Conv1D weights are detected from config.json's model_type without it.", valueName: "regex"))
    var transposed: String?

    func validate() throws {
        guard names.isEmpty || names.count == models.count else {
            throw ValidationError("--name was given \(names.count) times for \(models.count) models; give one name per model or none")
        }
    }

    /// Throws the usage error of a command that needs a family and was not given one.
    func requireFamily() throws {
        guard base != nil else { throw ValidationError("give the pretrained checkpoint with --base") }
        guard !models.isEmpty else { throw ValidationError("give at least one fine-tuned model with --models") }
    }

    /// Opens the family (headers only).
    func open() throws -> ModelFamily {
        try requireFamily()
        return try ModelFamily.open(base: base!, models: models, names: names.isEmpty ? nil : names, transposed: transposed)
    }
}

/// The analysis settings, as options.
struct AnalysisArguments: ParsableArguments {
    enum ZoneRuleName: String, ExpressibleByArgument, CaseIterable {
        case sigmaSum = "sigma-sum", energy, rank
    }

    @Option(help: "How the top zone is cut: sigma-sum (SMILE/FusionBench: k = 1 + #{j : cumsum σ_j < f·Σσ}), energy (σ² instead of σ) or rank (explicit k).")
    var zoneRule: ZoneRuleName = .sigmaSum

    @Option(parsing: .unconditional, help: "The fraction f for sigma-sum and energy zone rules.")
    var zoneFraction: Double = 0.5

    @Option(parsing: .unconditional, help: "The explicit k for --zone-rule rank.")
    var zoneRank: Int = 1

    @Option(parsing: .unconditional, help: "Also split the middle zone at this fraction (same rule), giving a 4-way map top / middle / low / null.")
    var lowFraction: Double?

    @Option(parsing: .unconditional, help: "Fraction of each update's energy whose input subspace stands for the task's data in the interference objective.")
    var interferenceEnergy: Double = 0.9

    @Option(parsing: .unconditional, help: "Energy a SMILE expert keeps when sizing its rank.")
    var expertEnergy: Double = 0.99

    @Flag(help: "Skip intruder dimensions (saves one SVD of every fine-tuned weight).")
    var noIntruders = false

    @Option(parsing: .unconditional, help: "Top singular directions of W_ft checked for intruders.")
    var intruderTop: Int = 10

    @Option(parsing: .unconditional, help: "|cos| below which a direction of W_ft is an intruder.")
    var intruderThreshold: Double = 0.5

    func validate() throws {
        for (name, value) in [("--zone-fraction", zoneFraction), ("--interference-energy", interferenceEnergy), ("--expert-energy", expertEnergy)] {
            guard value > 0, value <= 1 else { throw ValidationError("\(name) must be in (0, 1], got \(value)") }
        }
        if let low = lowFraction, !(low > zoneFraction && low <= 1) { throw ValidationError("--low-fraction must be in (zone fraction, 1], got \(low)") }
        guard zoneRank >= 1 else { throw ValidationError("--zone-rank must be at least 1, got \(zoneRank)") }
        guard intruderTop >= 1 else { throw ValidationError("--intruder-top must be at least 1, got \(intruderTop)") }
        guard intruderThreshold >= 0, intruderThreshold <= 1 else { throw ValidationError("--intruder-threshold must be in [0, 1], got \(intruderThreshold)") }
    }

    var options: AnalysisOptions {
        let rule: ZoneRule
        switch zoneRule {
        case .sigmaSum: rule = .sigmaSum(zoneFraction)
        case .energy: rule = .energy(zoneFraction)
        case .rank: rule = .rank(zoneRank)
        }
        let low = lowFraction.map { f -> ZoneRule in zoneRule == .energy ? .energy(f) : .sigmaSum(f) }
        return AnalysisOptions(
            zoneRule: rule, lowZoneRule: low, interferenceEnergy: interferenceEnergy, intruderTop: intruderTop,
            intruderThreshold: intruderThreshold, computeIntruders: !noIntruders, expertEnergy: expertEnergy)
    }
}

/// Report format and destination: every command that reports takes these.
struct ReportArguments: ParsableArguments {
    enum ReportFormat: String, ExpressibleByArgument, CaseIterable { case text, markdown, json, csv }

    @Option(help: "Report format: text (aligned tables), markdown, json (documented in docs/json.md) or csv.")
    var format: ReportFormat = .text

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the report to this file (atomically) instead of standard output.", valueName: "file"), completion: .file())
    var output: String?

    /// Prints `text`, or writes it to `--output`.
    func emit(_ text: String) throws { try ReportOutput.emit(text, to: output) }

    /// Whether standard output is read by a human: the text report printed there. Otherwise it carries
    /// exactly one document of the chosen format (or nothing, with -o), and plans go to standard error.
    var leavesStandardOutputToHumans: Bool { output == nil && format == .text }

    /// Checks `--output` before anything is computed (exit 5 when it cannot be written).
    func check() throws {
        if let output { try OutputPath.checkFile(output) }
    }
}

/// Report format and destination, and where figures go.
struct OutputArguments: ParsableArguments {
    @OptionGroup var report: ReportArguments

    @Option(help: ArgumentHelp("Write figures (PNG) into this directory.", valueName: "dir"), completion: .directory)
    var plots: String?

    var format: ReportArguments.ReportFormat { report.format }
    var output: String? { report.output }

    /// Checks `--output` and `--plots` before anything is computed (exit 5 when one cannot be written).
    func check() throws {
        try report.check()
        if let plots { try OutputPath.checkDirectory(plots) }
    }
}

/// Which weights a family command looks at, and whether it shows progress.
struct SelectionArguments: ParsableArguments {
    @Option(help: ArgumentHelp("Only tensors whose name matches this regular expression.", valueName: "regex"))
    var include: String?

    @Option(help: ArgumentHelp("Leave out tensors whose name matches this regular expression.", valueName: "regex"))
    var exclude: String?

    @Flag(help: "No progress line on standard error.")
    var quiet = false
}
