/// A mergekit 0.1.x merge configuration, the keys smile-inspect writes (mergekit's `MergeConfiguration`
/// with `models`; see `reference/validate_mergekit.py`):
///
///     merge_method: task_arithmetic
///     base_model: base/
///     dtype: float32
///     parameters: {normalize: false}
///     models:
///       - model: full-a/
///         parameters: {weight: 0.59}
///
/// A LoRA adapter is named as mergekit expects, `base+adapter`.
public struct MergekitConfig: Codable, Sendable, Equatable {
    /// Top-level parameters.
    public struct Parameters: Codable, Sendable, Equatable {
        /// Whether mergekit divides by the sum of weights; task arithmetic's λ is absolute, so false.
        public var normalize: Bool?
    }
    /// One model's entry.
    public struct Model: Codable, Sendable, Equatable {
        /// Per-model parameters.
        public struct Parameters: Codable, Sendable, Equatable {
            public var weight: Double?
            public var density: Double?
            /// DELLA's ε (keep probabilities range over density ± ε); absent for other methods.
            public var epsilon: Double?
        }
        public var model: String
        public var parameters: Parameters?
    }

    public var mergeMethod: String
    public var baseModel: String?
    public var dtype: String?
    public var parameters: Parameters?
    public var models: [Model]
    /// The top-level `lambda` mergekit scales the summed task vectors by (1 unless a read config says
    /// otherwise; not written).
    public var lambda: Double = 1

    private enum CodingKeys: String, CodingKey {
        case mergeMethod = "merge_method", baseModel = "base_model", dtype, parameters, models
    }

    /// A task-arithmetic merge of `models` (paths as given) onto `base` with one weight each.
    public init(taskArithmetic base: String, models: [String], weights: [Double], dtype: String?) {
        mergeMethod = "task_arithmetic"
        baseModel = base
        self.dtype = dtype
        parameters = Parameters(normalize: false)
        self.models = zip(models, weights).map { Model(model: $0, parameters: Model.Parameters(weight: Self.rounded($1), density: nil, epsilon: nil)) }
    }

    /// Weights to six decimals: far below what changes a merge, and readable.
    static func rounded(_ x: Double) -> Double { (x * 1e6).rounded() / 1e6 }

    /// mergekit's name for a safetensors dtype (`float32`, `float16`, `bfloat16`), nil for others.
    public static func dtypeName(_ dtype: DType) -> String? {
        switch dtype {
        case .f32: return "float32"
        case .f16: return "float16"
        case .bf16: return "bfloat16"
        case .f64: return "float64"
        default: return nil
        }
    }
}
