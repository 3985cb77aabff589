import Foundation

/// What a merge wrote, saved as `merge_config.json` in the output (snake_case keys) and printed by
/// `smile-inspect merge --format json` (camelCase, docs/json.md). Its presence marks a directory as a
/// previous merge output, which `--force` may replace.
public struct MergeRecord: Codable, Sendable, Equatable {
    /// One merged model.
    public struct Model: Codable, Sendable, Equatable {
        public var task: String
        public var path: String
        /// `full` or `lora`.
        public var kind: String
    }

    /// The file name in the output directory.
    public static let fileName = "merge_config.json"

    /// Always `smile-inspect-merge`.
    public var format: String
    /// `ta`, `ties`, `tsv`, `iso-c` or `iso-cts`.
    public var method: String
    /// c in θ = θ_pre + c·M.
    public var coefficient: Double
    /// TIES only: the share of entries each task vector keeps.
    public var density: Double?
    /// Iso-CTS only: the share of the sum's directions kept as common.
    public var commonFraction: Double?
    /// The base's path.
    public var base: String
    /// The merged models, in the order given.
    public var models: [Model]
    /// 2-D linear weights merged in the singular basis (subspace methods; 0 otherwise).
    public var subspaceWeights: Int
    /// Other floating-point tensors: Σ for task arithmetic, TIES for TIES, the mean for subspace methods.
    public var methodTensors: Int
    /// Tensors copied from the base (integer tensors, tensors some model lacks).
    public var fromBase: [String]
    /// Files written, tensor files first.
    public var files: [String]
    /// What was assumed or ignored while matching the family.
    public var notes: [String]

    init(settings: MergeSettings, family: ModelFamily, subspaceWeights: Int, methodTensors: Int, fromBase: [String], files: [String]) {
        format = "smile-inspect-merge"
        method = settings.method.rawValue
        coefficient = settings.coefficient
        density = settings.method == .ties ? settings.density : nil
        commonFraction = settings.method == .isoCTS ? settings.commonFraction : nil
        base = family.basePath.path
        models = family.taskNames.indices.map { Model(task: family.taskNames[$0], path: family.modelPaths[$0].path, kind: family.modelKinds[$0].rawValue) }
        self.subspaceWeights = subspaceWeights
        self.methodTensors = methodTensors
        self.fromBase = fromBase
        self.files = files
        notes = family.notes + family.skipped.map { "\($0.model) lacks \($0.tensor); the base value was written" }
    }

    /// The snake_case JSON of `merge_config.json`.
    public func encoded() throws -> Data { try SmileConfig.snakeCaseJSON(self) }
}
