import Analysis
import ArgumentParser
import Foundation

/// How a family command uses the machine: parallel layers and a memory ceiling. Results never depend on
/// these.
struct ExecutionArguments: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Layers analysed in parallel by model and mergeable (default: one per core; layer analyses one). Each layer gets cores / min(cores, layers) OpenBLAS threads whatever --jobs is, so results are identical for every value; --jobs 1 uses the least memory.", valueName: "n"))
    var jobs: Int?

    @Option(help: ArgumentHelp("Memory ceiling, e.g. 8G, 512M or bytes: layers run in parallel only while their estimated working sets fit, and a layer that alone would exceed it is refused before anything is read.", valueName: "size"))
    var maxMemory: String?

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        if let maxMemory, MemoryAccounting.parse(maxMemory) == nil {
            throw ValidationError("--max-memory must be a size such as 8G, 512M or a number of bytes, got \"\(maxMemory)\"")
        }
    }

    var settings: ExecutionSettings {
        ExecutionSettings(jobs: jobs ?? BLASThreads.current, maxMemoryBytes: maxMemory.flatMap(MemoryAccounting.parse))
    }

    /// The performance line on standard error (unless quiet).
    static func report(_ performance: PerformanceReport, quiet: Bool) {
        guard !quiet else { return }
        ReportOutput.note(performance.summaryLine + "\n")
    }
}

extension ExecutionArguments {
    /// For `layer`: refuses a weight whose estimated working set exceeds --max-memory (--jobs has nothing
    /// to parallelise over a single layer; OpenBLAS keeps all its threads).
    func admit(_ tensor: MatchedTensor, family: ModelFamily) throws {
        guard let limit = settings.maxMemoryBytes, tensor.shape.count == 2 else { return }
        let dense = family.modelKinds.filter { $0 == .full }.count
        let needed = MemoryAccounting.layerBytes(rows: tensor.shape[0], columns: tensor.shape[1], denseUpdates: dense, loraUpdates: family.modelKinds.count - dense)
        if needed > limit { throw ExecutionError.layerExceedsMemoryLimit(layer: tensor.name, neededBytes: needed, limitBytes: limit) }
    }
}
