import CBLAS
import Foundation

/// How a family run uses the machine: layers in parallel, BLAS threads per layer, a memory ceiling.
/// None of these change results: layers are independent and reassembled in checkpoint order.
///
/// OpenBLAS's rounding depends on its thread count (its LAPACK and level-2/3 kernels split work
/// differently), so the per-layer thread count must not follow `jobs` if results are to be identical
/// whatever `jobs` is. It is therefore fixed by the machine and the family alone: the cores OpenBLAS
/// would use divided by min(cores, number of layers) — one thread per layer for any family of two or more
/// layers on two cores, all threads for a single layer — and `jobs` only decides how many layers run at
/// once (jobs × threads ≤ cores for jobs ≤ cores / threads).
public struct ExecutionSettings: Sendable, Equatable {
    /// Layers analysed at once (≥ 1).
    public var jobs: Int
    /// OpenBLAS threads per layer; nil: `defaultBLASThreads(layers:available:)`.
    public var blasThreads: Int?
    /// Ceiling on the summed working-set estimates of the layers in flight (nil: no ceiling). A layer whose
    /// estimate alone exceeds it is refused before anything is read.
    public var maxMemoryBytes: Int?

    public init(jobs: Int = 1, blasThreads: Int? = nil, maxMemoryBytes: Int? = nil) {
        self.jobs = Swift.max(1, jobs)
        self.blasThreads = blasThreads
        self.maxMemoryBytes = maxMemoryBytes
    }

    /// The OpenBLAS threads per layer for a family of `layers` layers given `available` threads
    /// (independent of `jobs`, see above).
    public static func defaultBLASThreads(layers: Int, available: Int) -> Int {
        Swift.max(1, available / Swift.max(1, Swift.min(available, layers)))
    }

    /// The number of layers worth running at once on `cores` cores with `blasThreads` threads each.
    public static func automaticJobs(cores: Int, blasThreads: Int) -> Int { Swift.max(1, cores / Swift.max(1, blasThreads)) }
}

/// OpenBLAS's process-wide thread count.
public enum BLASThreads {
    /// The current number of OpenBLAS threads.
    public static var current: Int { Int(openblas_get_num_threads()) }
    /// Sets the number of OpenBLAS threads (process-wide).
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(Swift.max(1, count))) }
}

/// What a family run cost: wall time, peak memory, the schedule, and every layer's timings.
public struct PerformanceReport: Codable, Sendable, Equatable {
    /// Layers analysed at once, and OpenBLAS threads each.
    public var jobs: Int
    public var blasThreads: Int
    /// The `--max-memory` ceiling (nil: none).
    public var maxMemoryBytes: Int?
    /// The largest per-layer working-set estimate, and the layer it belongs to.
    public var largestLayerEstimateBytes: Int
    public var largestLayer: String
    /// Peak resident set of the process at the end of the run (VmHWM).
    public var peakResidentBytes: Int
    /// Wall time of the analysis (reading included, report writing excluded).
    public var wallSeconds: Double
    /// Per 2-D layer, in checkpoint order.
    public var layers: [LayerTimings]

    /// Sums over layers: base SVDs; everything per task; intruders; cross-task signals; reading.
    public var baseSVDSeconds: Double { layers.reduce(0) { $0 + $1.baseSVD } }
    public var perTaskSeconds: Double { layers.reduce(0) { $0 + $1.perTask.reduce(0, +) } }
    public var intruderSeconds: Double { layers.reduce(0) { $0 + $1.intruders.reduce(0, +) } }
    public var crossTaskSeconds: Double { layers.reduce(0) { $0 + $1.crossTask } }
    public var readSeconds: Double { layers.reduce(0) { $0 + $1.read } }
    public var intruderFallbacks: Int { layers.reduce(0) { $0 + $1.intruderFallbacks } }

    /// A one-line summary for standard error.
    public var summaryLine: String {
        String(format: "performance: %.2f s wall (%d job%@ × %d BLAS thread%@), peak RSS %@; base SVDs %.2f s, per-task work %.2f s (intruders %.2f s), cross-task %.2f s, reading %.2f s",
               wallSeconds, jobs, jobs == 1 ? "" : "s", blasThreads, blasThreads == 1 ? "" : "s",
               MemoryAccounting.describe(peakResidentBytes), baseSVDSeconds, perTaskSeconds, intruderSeconds, crossTaskSeconds, readSeconds)
    }

    private enum CodingKeys: String, CodingKey {
        case jobs, blasThreads, maxMemoryBytes, largestLayerEstimateBytes, largestLayer, peakResidentBytes, wallSeconds
        case baseSVDSeconds, perTaskSeconds, intruderSeconds, crossTaskSeconds, readSeconds, intruderFallbacks, layers
    }

    public init(jobs: Int, blasThreads: Int, maxMemoryBytes: Int?, largestLayerEstimateBytes: Int, largestLayer: String, peakResidentBytes: Int, wallSeconds: Double, layers: [LayerTimings]) {
        self.jobs = jobs
        self.blasThreads = blasThreads
        self.maxMemoryBytes = maxMemoryBytes
        self.largestLayerEstimateBytes = largestLayerEstimateBytes
        self.largestLayer = largestLayer
        self.peakResidentBytes = peakResidentBytes
        self.wallSeconds = wallSeconds
        self.layers = layers
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        jobs = try c.decode(Int.self, forKey: .jobs)
        blasThreads = try c.decode(Int.self, forKey: .blasThreads)
        maxMemoryBytes = try c.decodeIfPresent(Int.self, forKey: .maxMemoryBytes)
        largestLayerEstimateBytes = try c.decode(Int.self, forKey: .largestLayerEstimateBytes)
        largestLayer = try c.decode(String.self, forKey: .largestLayer)
        peakResidentBytes = try c.decode(Int.self, forKey: .peakResidentBytes)
        wallSeconds = try c.decode(Double.self, forKey: .wallSeconds)
        layers = try c.decode([LayerTimings].self, forKey: .layers)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(jobs, forKey: .jobs)
        try c.encode(blasThreads, forKey: .blasThreads)
        try c.encodeIfPresent(maxMemoryBytes, forKey: .maxMemoryBytes)
        try c.encode(largestLayerEstimateBytes, forKey: .largestLayerEstimateBytes)
        try c.encode(largestLayer, forKey: .largestLayer)
        try c.encode(peakResidentBytes, forKey: .peakResidentBytes)
        try c.encode(wallSeconds, forKey: .wallSeconds)
        try c.encode(baseSVDSeconds, forKey: .baseSVDSeconds)
        try c.encode(perTaskSeconds, forKey: .perTaskSeconds)
        try c.encode(intruderSeconds, forKey: .intruderSeconds)
        try c.encode(crossTaskSeconds, forKey: .crossTaskSeconds)
        try c.encode(readSeconds, forKey: .readSeconds)
        try c.encode(intruderFallbacks, forKey: .intruderFallbacks)
        try c.encode(layers, forKey: .layers)
    }
}

/// Errors of the execution settings.
public enum ExecutionError: Error, Equatable, CustomStringConvertible {
    /// A layer's estimated working set exceeds `--max-memory` on its own.
    case layerExceedsMemoryLimit(layer: String, neededBytes: Int, limitBytes: Int)

    public var description: String {
        switch self {
        case let .layerExceedsMemoryLimit(layer, needed, limit):
            return "\(layer) needs about \(MemoryAccounting.describe(needed)) to analyse (estimated from its shape), more than --max-memory \(MemoryAccounting.describe(limit)); raise the limit or leave the layer out with --exclude"
        }
    }
}
