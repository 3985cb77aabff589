import Analysis
import ArgumentParser
import Foundation

/// `smile-inspect layer`: the full report for one weight of a family.
struct LayerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layer",
        abstract: "Analyse one weight: zones, energy maps, spectra, intruders, interference and its verdict.",
        discussion: """
            Computes the SVD of the pretrained weight W = U Σ Vᵀ once, cuts its singular directions into \
            zones (top k by SMILE's rule, middle up to r = min(m, n), and the null spaces beyond), and \
            reports for every fine-tuned model where its update ΔW = W_ft − W_pre lands: the 3×3 energy map \
            E[a][b] = ‖U_aᵀ ΔW V_b‖² / ‖ΔW‖² with each block's ratio to a random update, the spectrum and \
            effective ranks of ΔW, and intruder dimensions. With two or more models it adds the data-free \
            interference matrix, the task-arithmetic λ* and residuals, cosines, principal angles, STI and \
            the layer's verdict. For a fine-tune stored in F32, F16 or BF16 it estimates W_ft's rounding \
            error in that dtype (ρ = Σ ulp²/12 as a share of ‖ΔW‖²) and says when rank99 (ρ ≥ 1%) or \
            rank90 (ρ ≥ 10%) counts that rounding rather than the fine-tuning.

            --layer takes an exact tensor name, a unique suffix ("layer.0.attention.self.query"), or the \
            name without ".weight"; a name that matches nothing lists the closest candidates (exit 3). With \
            --store alone the stored result is read (an analysis option given with another value than the \
            store's is refused, exit 3); a weight the store selects but no shard has stored yet exits with \
            status 6.

            EXAMPLES:
              smile-inspect layer --base base/ --models full-a full-b \\
                  --layer layer.0.attention.self.query
              smile-inspect layer --base base/ --models lora-a lora-b \\
                  --layer layer.0.intermediate.dense --format json
              smile-inspect layer --base base/ --models a b c \\
                  --layer layer.0.output.dense --low-fraction 0.9 --plots figs/
              smile-inspect layer --store results/ --layer layer.0.attention.self.query
            """)

    @OptionGroup var family: FamilyArguments
    @Option(help: ArgumentHelp("The weight to analyse: exact name or unique suffix.", valueName: "name"))
    var layer: String
    @OptionGroup var analysis: AnalysisArguments
    @OptionGroup var output: OutputArguments
    @OptionGroup var execution: ExecutionArguments
    @Option(help: ArgumentHelp("A results store: reuse the weight's stored result when computed from the same inputs and options, else compute and store it. Without --base, read it from the store alone.", valueName: "dir"), completion: .directory)
    var store: String?

    func validate() throws {
        if family.base != nil || store == nil { try family.requireFamily() }
    }

    func run() throws {
        do {
            try output.check()
            let result = try family.base == nil ? storedLayer() : analysedLayer()
            let text: String
            switch output.format {
            case .text: text = LayerReport.document(result).text
            case .markdown: text = LayerReport.document(result).markdown
            case .json: text = try ReportOutput.json(result, command: "layer")
            case .csv: text = LayerReport.csvTable([result]).csv
            }
            try ReportOutput.emit(text, to: output.output)
            if let directory = output.plots {
                let written = try FigureWriter(directory: directory).layerFigures(result)
                ReportOutput.note("figures: \(written.map(\.lastPathComponent).joined(separator: ", ")) in \(directory)\n")
            }
        } catch {
            throw reportFailure(error)
        }
    }

    /// The layer read from `--store` alone, judged with the default thresholds.
    private func storedLayer() throws -> LayerAnalysis {
        let stored = try ResultsStore.open(at: URL(fileURLWithPath: store!))
        if let conflict = analysis.conflict(withStored: stored.manifest.options) {
            throw StoreError.optionConflict(store: store!, difference: conflict)
        }
        let name = try stored.resolve(layer: layer)
        guard case let .found(record) = stored.lookup(name) else { throw StoreError.resultMissing(store: store!, tensor: name) }
        guard case let .layer(analysis) = record.result else {
            throw InputError("\(name) is not a 2-D weight; `smile-inspect model` reports N-D and 1-D tensors")
        }
        return analysis.judged(by: self.analysis.options.thresholds)
    }

    /// The layer analysed from the family, reused from and written to `--store` when given.
    private func analysedLayer() throws -> LayerAnalysis {
        let family = try self.family.open()
        let name = try family.resolve(layer: layer)
        guard let tensor = family.matched.first(where: { $0.name == name }), tensor.shape.count == 2, let base = try family.baseMatrix(name) else {
            throw InputError("\(name) is not a 2-D weight; `smile-inspect model` reports N-D and 1-D tensors")
        }
        let options = analysis.options
        let cache = try store.map { directory in
            try ResultsStore.create(
                at: URL(fileURLWithPath: directory),
                for: StoreManifest(family: family, options: options, compute: ComputeSettings(), include: nil, exclude: nil, tensors: family.matched.map(\.name)),
                selection: false)
        }
        let inputs = try cache.map { _ in try family.inputIdentities(of: name) } ?? []
        if let cache, case let .found(record) = cache.lookup(name), record.inputs == inputs, case let .layer(stored) = record.result,
           stored.options.computing == options.computing {
            return stored.judged(by: options.thresholds)
        }
        try execution.admit(tensor, family: family)
        let (updates, rounding) = try family.updatesWithRounding(for: name)
        var result = try LayerAnalyzer(options: options).analyze(name: name, base: base, updates: updates, taskNames: family.taskNames)
        result.attachStorageRounding(rounding)
        if family.isStoredTransposed(name) { result.transposed = true }
        try cache?.write(LayerRecord(tensor: name, inputs: inputs, result: .layer(result)))
        return result
    }
}
