import Analysis
import ArgumentParser

/// The options every family command shares: the base, the fine-tuned models and their names.
struct FamilyArguments: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The pretrained checkpoint: a .safetensors or pytorch_model.bin file, a Hugging Face model directory, or a repo id org/name[@revision] in the local Hub cache.", valueName: "path"), completion: .file())
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

    /// Opens the family (headers only) for reading the tensors in `selection`.
    func open(selection: TensorSelection = .all) throws -> ModelFamily {
        try requireFamily()
        return try ModelFamily.open(base: base!, models: models, names: names.isEmpty ? nil : names, transposed: transposed, selection: selection)
    }
}

/// The analysis settings, as options. Each is nil unless given, so that a report from a results store
/// alone can tell an option the user asked for from a default: the store's computing options stand, and
/// an option given with another value is refused (``conflict(withStored:)``).
struct AnalysisArguments: ParsableArguments {
    enum ZoneRuleName: String, ExpressibleByArgument, CaseIterable {
        case sigmaSum = "sigma-sum", energy, rank
    }

    @Option(help: "How the top zone is cut: sigma-sum (SMILE/FusionBench: k = 1 + #{j : cumsum σ_j < f·Σσ}), energy (σ² instead of σ) or rank (explicit k). Default sigma-sum.")
    var zoneRule: ZoneRuleName?

    @Option(help: "The fraction f for sigma-sum and energy zone rules (default 0.5).")
    var zoneFraction: Double?

    @Option(help: "The explicit k for --zone-rule rank (default 1).")
    var zoneRank: Int?

    @Option(help: "Also split the middle zone at this fraction (same rule), giving a 4-way map top / middle / low / null.")
    var lowFraction: Double?

    @Option(help: "Fraction of each update's energy whose input subspace stands for the task's data in the interference objective (default 0.9).")
    var interferenceEnergy: Double?

    @Option(help: "Energy a SMILE expert keeps when sizing its rank (default 0.99).")
    var expertEnergy: Double?

    @Flag(help: "Skip intruder dimensions (saves one SVD of every fine-tuned weight).")
    var noIntruders = false

    @Option(help: "Top singular directions of W_ft checked for intruders (default 10).")
    var intruderTop: Int?

    @Option(help: "|cos| below which a direction of W_ft is an intruder (default 0.5).")
    var intruderThreshold: Double?

    func validate() throws {
        for (name, value) in [("--zone-fraction", zoneFraction), ("--interference-energy", interferenceEnergy), ("--expert-energy", expertEnergy)] {
            guard let value else { continue }
            guard value > 0, value <= 1 else { throw ValidationError("\(name) must be in (0, 1], got \(value)") }
        }
        if let low = lowFraction, !(low > fraction && low <= 1) { throw ValidationError("--low-fraction must be in (zone fraction, 1], got \(low)") }
        if let zoneRank, zoneRank < 1 { throw ValidationError("--zone-rank must be at least 1") }
        if let intruderTop, intruderTop < 1 { throw ValidationError("--intruder-top must be at least 1, got \(intruderTop)") }
    }

    private var fraction: Double { zoneFraction ?? 0.5 }

    var options: AnalysisOptions {
        let defaults = AnalysisOptions()
        let rule: ZoneRule
        switch zoneRule ?? .sigmaSum {
        case .sigmaSum: rule = .sigmaSum(fraction)
        case .energy: rule = .energy(fraction)
        case .rank: rule = .rank(zoneRank ?? 1)
        }
        let low = lowFraction.map { f -> ZoneRule in zoneRule == .energy ? .energy(f) : .sigmaSum(f) }
        return AnalysisOptions(
            zoneRule: rule, lowZoneRule: low, interferenceEnergy: interferenceEnergy ?? defaults.interferenceEnergy,
            intruderTop: intruderTop ?? defaults.intruderTop, intruderThreshold: intruderThreshold ?? defaults.intruderThreshold,
            computeIntruders: !noIntruders, expertEnergy: expertEnergy ?? defaults.expertEnergy)
    }

    /// The first option given here whose value differs from what a results store was computed with, as
    /// "--zone-fraction: the store was computed with 0.5, this run asks for 0.4"; nil when every given
    /// option agrees (options not given take the store's values). A report from a store alone cannot
    /// recompute, so such an option would otherwise be silently ignored.
    func conflict(withStored stored: AnalysisOptions) -> String? {
        func differs(_ option: String, _ storedValue: String, _ given: String) -> String {
            "\(option): the store was computed with \(storedValue), this run asks for \(given)"
        }
        let storedRule: (name: ZoneRuleName, fraction: Double?, rank: Int?) = switch stored.zoneRule {
        case let .sigmaSum(f): (.sigmaSum, f, nil)
        case let .energy(f): (.energy, f, nil)
        case let .rank(k): (.rank, nil, k)
        }
        if let zoneRule, zoneRule != storedRule.name { return differs("--zone-rule", storedRule.name.rawValue, zoneRule.rawValue) }
        if let zoneFraction, zoneFraction != storedRule.fraction {
            return differs("--zone-fraction", storedRule.fraction.map { "\($0)" } ?? "--zone-rule rank \(storedRule.rank!)", "\(zoneFraction)")
        }
        if let zoneRank, zoneRank != storedRule.rank {
            return differs("--zone-rank", storedRule.rank.map { "\($0)" } ?? "--zone-rule \(stored.zoneRule)", "\(zoneRank)")
        }
        let storedLow: Double? = switch stored.lowZoneRule {
        case let .sigmaSum(f)?, let .energy(f)?: f
        default: nil
        }
        if let lowFraction, lowFraction != storedLow { return differs("--low-fraction", storedLow.map { "\($0)" } ?? "none", "\(lowFraction)") }
        if let interferenceEnergy, interferenceEnergy != stored.interferenceEnergy {
            return differs("--interference-energy", "\(stored.interferenceEnergy)", "\(interferenceEnergy)")
        }
        if let expertEnergy, expertEnergy != stored.expertEnergy { return differs("--expert-energy", "\(stored.expertEnergy)", "\(expertEnergy)") }
        if noIntruders, stored.computeIntruders { return differs("--no-intruders", "intruders", "none") }
        if let intruderTop, intruderTop != stored.intruderTop { return differs("--intruder-top", "\(stored.intruderTop)", "\(intruderTop)") }
        if let intruderThreshold, intruderThreshold != stored.intruderThreshold {
            return differs("--intruder-threshold", "\(stored.intruderThreshold)", "\(intruderThreshold)")
        }
        return nil
    }
}

/// Report format and destination: every command that reports takes these.
struct ReportArguments: ParsableArguments {
    enum ReportFormat: String, ExpressibleByArgument, CaseIterable { case text, markdown, json, csv }

    @Option(help: "Report format: text (aligned tables), markdown, json (documented in docs/json.md) or csv.")
    var format: ReportFormat = .text

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the report to this file (atomically) instead of standard output.", valueName: "file"), completion: .file())
    var output: String?

    /// Prints `text`, or writes it atomically to `--output`.
    func emit(_ text: String) throws { try ReportOutput.emit(text, to: output) }
}

/// Report format and destination, and where figures go.
struct OutputArguments: ParsableArguments {
    @OptionGroup var report: ReportArguments

    @Option(help: ArgumentHelp("Write figures (PNG) into this directory.", valueName: "dir"), completion: .directory)
    var plots: String?

    var format: ReportArguments.ReportFormat { report.format }
    var output: String? { report.output }
}

/// Which weights a family command looks at, and whether it shows progress.
struct SelectionArguments: ParsableArguments {
    @Option(help: ArgumentHelp("Only tensors whose name matches this regular expression (the compatibility check then refuses only tensors missing or reshaped inside the selection).", valueName: "regex"))
    var include: String?

    @Option(help: ArgumentHelp("Leave out tensors whose name matches this regular expression.", valueName: "regex"))
    var exclude: String?

    @Flag(help: "No progress line on standard error.")
    var quiet = false
}
