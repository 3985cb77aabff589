/// The per-method table of `mergeable --plan`: each merging method's whole-model data-free residual at its
/// default coefficient and at the coefficient minimising it, and the recommended merge with the command that
/// writes it. Built from summed per-layer records (``MethodResidualSums/combined(_:)``), never recomputed.
///
/// With model-level sums Aᵢ, Bᵢ, Dᵢ (over layers) for task i, the residual of θ_pre + c·M is
///
///     Lᵢ(c) = (c²Aᵢ − 2cBᵢ + Dᵢ) / Dᵢ,   L̄(c) = (1/T′) Σᵢ Lᵢ(c)   (T′ tasks with Dᵢ > 0),
///
/// so L̄(0) = 1, and L̄ is minimised at c* = Σᵢ(Bᵢ/Dᵢ) / Σᵢ(Aᵢ/Dᵢ) — for task arithmetic the λ* of
/// ``TaskInterference`` exactly. c* is nil when M vanishes on every task's subspace.
///
/// What it can and cannot say (README, "Merging"): the residual ranks merges of one method across subsets,
/// but not methods on one merge, and c* picks far too small a coefficient for TSV-M and Iso-C on full
/// fine-tunes. So ``Row/expectedKept`` is set only where the retention
/// calibration was fitted — task arithmetic at c*, from the worst Lᵢ(c*) (``RetentionEstimate``) — and the
/// recommendation is ``MergeRecommendation``'s, by measured evidence, not by this table.
public struct MethodResidualTable: Codable, Sendable, Equatable {
    /// One method.
    public struct Row: Codable, Sendable, Equatable {
        /// `ta`, `ties`, `tsv`, `iso-c` or `iso-cts`.
        public var method: MergeMethod
        /// The method's default coefficient for this family (``MergeMethod/defaultCoefficient(allLoRA:)``).
        public var coefficient: Double
        /// L̄ at ``coefficient``.
        public var residual: Double
        /// Lᵢ at ``coefficient`` per task (nil for a zero update).
        public var residuals: [Double?]
        /// c* (nil when M vanishes on every task's subspace).
        public var bestCoefficient: Double?
        /// L̄(c*) and Lᵢ(c*).
        public var bestResidual: Double?
        public var bestResiduals: [Double?]?
        /// The expected share of accuracy kept, only where calibrated (task arithmetic at c*).
        public var expectedKept: RetentionEstimate?
    }

    /// Task names, in order.
    public var taskNames: [String]
    /// The share of each update's energy defining its subspace Pᵢ.
    public var energyFraction: Double
    /// How many 2-D weights the sums cover.
    public var layers: Int
    /// One row per method, in ``MergeMethod`` order.
    public var rows: [Row]
    /// The recommended method and coefficient, and why.
    public var recommendation: MergeRecommendation
    /// L̄ of the recommended method at the recommended coefficient.
    public var recommendedResidual: Double
    /// The `smile-inspect merge` command that writes the recommendation (``MergeCommandLine/merge(base:models:method:coefficient:)``).
    public var command: String
    /// What the table does not support, in words.
    public var notes: [String]

    /// The table of the model-level `sums` over `layers` 2-D weights, for models of `kinds` at the paths
    /// `base` and `models` (as the user gave them, for ``command``).
    public init(sums: MethodResidualSums, layers: Int, taskNames: [String], energyFraction: Double, kinds: [ModelKind], base: String, models: [String]) {
        let allLoRA = kinds.allLoRA
        self.taskNames = taskNames
        self.energyFraction = energyFraction
        self.layers = layers
        rows = sums.methods.map { sums in
            let coefficient = sums.method.defaultCoefficient(allLoRA: allLoRA)
            let residuals = Self.residuals(sums, at: coefficient)
            let best = Self.bestCoefficient(sums)
            let bestResiduals = best.map { Self.residuals(sums, at: $0) }
            let worstAtBest = bestResiduals?.compactMap { $0 }.max()
            return Row(method: sums.method, coefficient: coefficient, residual: Self.mean(residuals),
                       residuals: residuals, bestCoefficient: best, bestResidual: bestResiduals.map(Self.mean),
                       bestResiduals: bestResiduals,
                       expectedKept: sums.method == .taskArithmetic ? worstAtBest.map { RetentionEstimate(worstResidual: $0) } : nil)
        }
        let recommendation = MergeRecommendation.recommended(kinds: kinds)
        self.recommendation = recommendation
        let recommended = sums.methods.first { $0.method == recommendation.method }!
        recommendedResidual = Self.mean(Self.residuals(recommended, at: recommendation.coefficient))
        command = MergeCommandLine.merge(base: base, models: models, method: recommendation.method, coefficient: recommendation.coefficient)
        notes = [
            "L = mean over tasks of Σ‖(c·M − τᵢ)Pᵢ‖² / Σ‖τᵢPᵢ‖² (sums over \(layers) 2-D weights; Pᵢ: the right singular vectors holding \(Int((energyFraction * 100).rounded()))% of τᵢ's energy); c* minimises it.",
            "Measured on real merges (README, \"Merging\"), the residual ranks merges of one method across subsets but not methods on one merge, and c* does not set a method's coefficient (on full fine-tunes it is far too small for TSV-M and Iso-C): do not pick a method or its coefficient from this table. Expected kept is shown only where it is calibrated (task arithmetic at λ*).",
        ]
    }

    /// Lᵢ(c) per task of one method's sums (nil where Dᵢ = 0).
    public static func residuals(_ sums: MethodResidualSums.Method, at c: Double) -> [Double?] {
        sums.d.indices.map { i in
            sums.d[i] > 0 ? (c * c * sums.a[i] - 2 * c * sums.b[i] + sums.d[i]) / sums.d[i] : nil
        }
    }

    /// c* = Σᵢ(Bᵢ/Dᵢ) / Σᵢ(Aᵢ/Dᵢ) over the tasks with Dᵢ > 0; nil when the denominator is 0.
    public static func bestCoefficient(_ sums: MethodResidualSums.Method) -> Double? {
        let live = sums.d.indices.filter { sums.d[$0] > 0 }
        let denominator = live.reduce(0.0) { $0 + sums.a[$1] / sums.d[$1] }
        guard denominator > 0 else { return nil }
        return live.reduce(0.0) { $0 + sums.b[$1] / sums.d[$1] } / denominator
    }

    /// The mean of the defined entries (0 when none is).
    static func mean(_ values: [Double?]) -> Double {
        let defined = values.compactMap { $0 }
        return defined.isEmpty ? 0 : defined.reduce(0, +) / Double(defined.count)
    }
}
