/// Everything smile-inspect knows about one 2-D weight (nn.Linear convention: out × in) of a family:
/// the pretrained spectrum and zones, per-task energy maps and spectra, and the cross-task signals.
///
/// This is the contract for reports and plots: field names are stable and serialised as they are named.
public struct LayerAnalysis: Codable, Sendable, Equatable {
    /// One task's update of this layer.
    public struct TaskResult: Codable, Sendable, Equatable {
        /// The task's name.
        public var task: String
        /// E[a][b] over the 3 SMILE zones.
        public var energy: EnergyMap
        /// E[a][b] over top / middle / low / null, when a low cut was requested.
        public var energyFourWay: EnergyMap?
        /// ‖ΔW‖, ‖ΔW‖/‖W‖, singular values, energy curve, effective ranks.
        public var spectrum: UpdateSpectrum
        /// Intruder dimensions of W_ft, when computed.
        public var intruders: IntruderDimensions?
        /// The SMILE expert rank keeping `options.expertEnergy` of ‖ΔW‖² (0 for a zero update).
        public var expertRank: Int
        /// W_ft's rounding to its stored dtype against this update (dense updates of a stored F32, F16 or
        /// BF16 fine-tune; nil for LoRA adapters, other dtypes and records written before it was measured).
        public var storageRounding: StorageRounding?
    }

    /// The tensor name in the base checkpoint.
    public var name: String
    /// m (out features).
    public var rows: Int
    /// n (in features).
    public var columns: Int
    /// True when the checkpoint stores this weight in × out (GPT-2 `Conv1D`, see ``WeightLayout``) and it
    /// was analysed transposed; nil for weights stored out × in.
    public var transposed: Bool?
    /// The options used.
    public var options: AnalysisOptions
    /// σ of W_pre, descending (r = min(m, n) values).
    public var baseSingularValues: [Double]
    /// ‖W_pre‖_F.
    public var baseNorm: Double
    /// The numerical rank of W_pre: singular values above σ₁·max(m, n)·ε (ε = Float's machine epsilon).
    public var numericalRank: Int
    /// Conditions under which some numbers are defined but not meaningful, in words (empty normally).
    public var warnings: [String]
    /// The SMILE zones (k = `zones.topRank`).
    public var zones: ZoneSplit
    /// The 4-way zones, when requested.
    public var zonesFourWay: ZoneSplit?
    /// One entry per task, in the family's order.
    public var tasks: [TaskResult]
    /// Interference objective and λ* (T ≥ 2; nil for a single task, where there is nothing to interfere).
    public var interference: TaskInterference?
    /// Cosines and principal angles (T ≥ 2).
    public var similarity: TaskSimilarity?
    /// TSV's singular task interference (T ≥ 2).
    public var singularTaskInterference: SingularTaskInterference?
    /// This layer's verdict (T ≥ 2).
    public var verdict: MergeVerdict?
    /// Task-arithmetic residuals Lᵢ(λ) at each λ of `options.lambdaGrid` (rows: λ; nil for zero updates).
    public var residualsByLambda: [[Double?]]?
    /// What the sparsifying merge of `options.sparsification` does to this tensor (nil without one).
    public var sparsification: SparsificationStatistics?
    /// Every merging method's residual sums on this layer (T ≥ 2, with ``ComputeSettings/methodResiduals``;
    /// nil otherwise).
    public var methodResiduals: MethodResidualSums?

    /// r = min(m, n).
    public var rank: Int { Swift.min(rows, columns) }
    /// The SMILE top-zone size k.
    public var topRank: Int { zones.topRank }
    /// The task names in order.
    public var taskNames: [String] { tasks.map(\.task) }
}
