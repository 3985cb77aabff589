import Analysis
import ArgumentParser
import Foundation

/// `--store`, `--shard` and `--shard-count`: where results are kept, and which part of the work this
/// process does.
struct StoreArguments: ParsableArguments {
    @Option(help: ArgumentHelp("A results store directory: each analysed tensor's result is written there as soon as it is done, and a rerun reuses those computed from the same inputs and options. Given without --base, the report is built from the store alone.", valueName: "dir"), completion: .directory)
    var store: String?

    @Option(help: ArgumentHelp("Analyse only part i of N (0 ≤ i < N) of the tensors, balanced by estimated cost, into --store; combine with `smile-inspect report --store`. `auto` takes i from a Slurm job array (SLURM_ARRAY_TASK_ID; N from --shard-count, or SLURM_ARRAY_TASK_COUNT when the array is 0-(N-1)) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX with --shard-count).", valueName: "i/N|auto"))
    var shard: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("The number of shards for --shard auto: a Kubernetes Indexed Job's completions, or the first Slurm array's size (needed when resubmitting some of its indices, e.g. sbatch --array=1).", valueName: "N"))
    var shardCount: Int?

    func validate() throws {
        if shard != nil && store == nil { throw ValidationError("--shard needs --store: shards share their results through it") }
        if let shardCount, shardCount < 1 { throw ValidationError("--shard-count must be at least 1, got \(shardCount)") }
        if let shard, shard != "auto" {
            do { _ = try Shard(parsing: shard) } catch { throw ValidationError("\(error)") }
        }
    }

    /// The shard this process runs, nil for the whole selection.
    func resolvedShard() throws -> Shard? {
        guard let shard else { return nil }
        if shard == "auto" { return try Shard.automatic(environment: ProcessInfo.processInfo.environment, count: shardCount) }
        return try Shard(parsing: shard)
    }

    /// Throws the usage error of a command given neither a family nor a store.
    func requireInputs(_ family: FamilyArguments) throws {
        guard family.base != nil || store != nil else {
            throw ValidationError("give --base and --models, or --store DIR to report from a results store")
        }
        if family.base != nil || !family.models.isEmpty { try family.requireFamily() }
        if family.base == nil, shard != nil { throw ValidationError("--shard needs --base and --models: a shard computes") }
    }
}

/// What a family command has to show: a report, or (for a shard) nothing until every shard is done.
enum FamilyOutcome {
    /// The whole-model report; `performance` when something was computed; `missing` tensors when read
    /// from a store that is not complete yet.
    case report(FamilyReport, performance: PerformanceReport?, missing: [String])
    /// A shard finished its part.
    case shardDone

    /// Runs or reads the family as the arguments say: `--store` alone reads the store (no weight file is
    /// opened; analysis options are the store's, and one given in `analysis` with another value is
    /// refused); with `--base` the family is analysed, resuming from and writing to `--store` when given,
    /// only `--shard`'s part when given. The compatibility check judges the tensors `--include/--exclude`
    /// select, or every tensor when `wholeModel` (the run also writes a whole-model merge:
    /// `--emit-mergekit`, or judges a `--mergekit` config, which mergekit runs on every tensor).
    /// `methodResiduals` computes every merging method's residual sums too (``ComputeSettings/methodResiduals``).
    static func obtain(
        family: FamilyArguments, selection: SelectionArguments, analysis: AnalysisArguments, options: AnalysisOptions, execution: ExecutionArguments, store: StoreArguments,
        wholeModel: Bool = false, methodResiduals: Bool = false
    ) throws -> FamilyOutcome {
        if family.base == nil, let directory = store.store {
            let (report, missing) = try stored(directory, thresholds: options.thresholds, analysis: analysis, selection: selection)
            return .report(report, performance: nil, missing: missing)
        }
        var analyzer = FamilyAnalyzer(options: options, include: selection.include, exclude: selection.exclude, execution: execution.settings)
        analyzer.compute.methodResiduals = methodResiduals
        let tensors = try analyzer.tensorSelection
        let compatibility = try CompatibilityGate.check(family, selection: wholeModel ? .all : tensors)
        analyzer.store = store.store.map { URL(fileURLWithPath: $0) }
        analyzer.shard = try store.resolvedShard()
        let progress = ProgressLine(enabled: !selection.quiet)
        let run = try analyzer.run(try family.open(selection: tensors)) { progress.update($0) }
        progress.finish()
        ExecutionArguments.report(run.performance, quiet: selection.quiet)
        if store.store != nil, !selection.quiet {
            ReportOutput.note(run.resume.summaryLine + "\n")
        }
        guard var report = run.report else {
            let shard = analyzer.shard.map(\.description) ?? ""
            ReportOutput.note("shard \(shard) done: \(run.resume.assigned) tensors in \(store.store ?? ""); when every shard is done: smile-inspect report --store \(store.store ?? "")\n")
            return .shardDone
        }
        report.attach(compatibility)
        return .report(report, performance: run.performance, missing: [])
    }

    /// The report of the store at `directory` judged with `thresholds`; an incomplete store's report
    /// carries a note naming the missing tensors. Throws ``StoreError/optionConflict(store:difference:)``
    /// when `analysis` gives a computing option, or `selection` an `--include`/`--exclude`, the store was
    /// not computed with.
    static func stored(_ directory: String, thresholds: VerdictThresholds, analysis: AnalysisArguments? = nil, selection: SelectionArguments? = nil) throws -> (FamilyReport, missing: [String]) {
        let stored = try ResultsStore.open(at: URL(fileURLWithPath: directory))
        let manifest = stored.manifest
        var conflict = analysis?.conflict(withStored: manifest.options)
        for (option, given, had) in [("--include", selection?.include, manifest.include), ("--exclude", selection?.exclude, manifest.exclude)] where conflict == nil {
            if let given, given != had { conflict = "\(option): the store was computed with \(had.map { "'\($0)'" } ?? "none"), this run asks for '\(given)'" }
        }
        if let conflict { throw StoreError.optionConflict(store: directory, difference: conflict) }
        var (report, missing) = stored.report(thresholds: thresholds)
        if !missing.isEmpty {
            report.notes.append(incompleteNote(missing, of: stored.manifest.tensors.count))
        }
        return (report, missing)
    }

    /// The note an incomplete store's report carries.
    private static func incompleteNote(_ missing: [String], of total: Int) -> String {
        "incomplete store: \(missing.count) of \(total) selected tensors have no result yet (\(missing.prefix(5).joined(separator: ", "))\(missing.count > 5 ? ", …" : "")); this report covers the others"
    }

    /// For an incomplete store: the warning on standard error and exit status 6, after the report was written.
    static func finish(missing: [String]) throws {
        guard !missing.isEmpty else { return }
        ReportOutput.note("warning: \(missing.count) selected tensors have no result in the store yet (a shard has not finished?): \(missing.prefix(10).joined(separator: ", "))\(missing.count > 10 ? ", …" : "")\n")
        throw ExitCode.incompleteStore
    }
}
