/// How a sparsifying mergekit method thins each task vector τᵢ = ΔWᵢ before summing, read from a config:
/// the settings behind ``SparsificationStatistics``. They change computed numbers, so they are part of
/// ``AnalysisOptions`` (a computing option, in a store's identity), not of the verdict thresholds.
///
/// mergekit 0.1.5 (`mergekit/sparsify.py`, `merge_methods/generalized_task_arithmetic.py`,
/// `merge_methods/registry.py`): `ties` trims by magnitude and elects signs; `dare_ties` / `dare_linear`
/// drop entries at random (Bernoulli(density)); `della` / `della_linear` drop at random with
/// magnitude-ranked probabilities (`della_magprune`, `epsilon` default 0.15); the `_ties` / `della` methods
/// elect signs (consensus "sum"). Breadcrumbs (`magnitude_outliers`) is not covered.
public struct SparsificationSettings: Codable, Sendable, Equatable {
    /// mergekit's `SparsificationMethod`.
    public enum Method: String, Codable, Sendable {
        /// Keep the top k = max(1, ⌊density·numel⌋) |entries| of each tensor (TIES).
        case magnitude
        /// Keep each entry with probability density (DARE).
        case random
        /// Keep entry e of row r with probability pₑ = (density − ε) + 2ε·(rankₑ − 1)/(n − 1), rankₑ the
        /// ascending rank of |τₑ| in its row of n entries (DELLA's MagPrune).
        case dellaMagprune = "della_magprune"
    }

    /// How entries are dropped.
    public var method: Method
    /// Whether the method elects one sign per entry (TIES consensus "sum": sign(Σᵢ wᵢ τ̃ᵢ), 0 counts as +).
    public var electsSigns: Bool
    /// The family index of each config model, in config order.
    public var tasks: [Int]
    /// `density` per config model (mergekit's default 1 when neither the model nor the top level sets it).
    public var densities: [Double]
    /// `weight` per config model: mergekit elects signs on the weighted trimmed vectors wᵢ τ̃ᵢ.
    public var weights: [Double]
    /// DELLA's `epsilon` per config model (0 for other methods).
    public var epsilons: [Double]

    public init(method: Method, electsSigns: Bool, tasks: [Int], densities: [Double], weights: [Double], epsilons: [Double]) {
        self.method = method
        self.electsSigns = electsSigns
        self.tasks = tasks
        self.densities = densities
        self.weights = weights
        self.epsilons = epsilons
    }

    /// The settings of `config`'s merge, nil for methods that do not sparsify (or breadcrumbs);
    /// `tasks[p]` is the family index of the config's p-th model.
    public init?(config: MergekitConfig, tasks: [Int]) {
        let kind: (method: Method, elects: Bool)
        switch config.mergeMethod {
        case "ties": kind = (.magnitude, true)
        case "dare_ties": kind = (.random, true)
        case "dare_linear": kind = (.random, false)
        case "della": kind = (.dellaMagprune, true)
        case "della_linear": kind = (.dellaMagprune, false)
        default: return nil
        }
        let method = kind.method
        self.init(
            method: method, electsSigns: kind.elects, tasks: tasks,
            densities: config.models.map { $0.parameters?.density ?? 1 },
            weights: config.models.map { $0.parameters?.weight ?? 0 },
            epsilons: config.models.map { method == .dellaMagprune ? $0.parameters?.epsilon ?? 0.15 : 0 })
    }

    /// Whether the statistics are expectations over random masks (DARE, DELLA) rather than exact (TIES).
    public var isExpectation: Bool { method != .magnitude }
}
