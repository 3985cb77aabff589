/// The task-layers whose rank90 or rank99 lies within the storage-rounding floor: those where W_ft's
/// expected rounding energy in its stored dtype is at least the share of ‖ΔW‖² the rank leaves out
/// (ρ ≥ ``StorageRounding/rank99Floor`` = 0.01 for rank99, ρ ≥ ``StorageRounding/rank90Floor`` = 0.1 for
/// rank90; see ``StorageRounding``). There the rank counts directions of the storage format's rounding,
/// spread flat over every direction, rather than of the fine-tuning. Layers without a measurement (LoRA,
/// other dtypes, older records) or with a zero update are never listed. ``rank99IfBaseRounded`` lists the
/// task-layers below the rank99 floor that reach it with W_pre's own rounding added (ρ + ρ_pre ≥ 0.01): those
/// whose fine-tune started from higher-precision weights than the stored base. A pure function of the records.
public struct StorageRoundingFloor: Sendable, Equatable {
    /// One task's update of one layer at or above a floor.
    public struct Entry: Sendable, Equatable {
        public var layer: String
        public var task: String
        public var dtype: DType
        /// ρ = E_round / ‖ΔW‖²_F.
        public var share: Double
        /// ρ_pre = E_round(W_pre) / ‖ΔW‖²_F, when the base's dtype was measured.
        public var baseShare: Double?
    }

    /// Task-layers with ρ ≥ 0.01, largest ρ first (rank99 within the floor).
    public var rank99: [Entry]
    /// Task-layers with ρ ≥ 0.1, largest ρ first (rank90 within the floor too).
    public var rank90: [Entry]
    /// Task-layers with ρ < 0.01 ≤ ρ + ρ_pre, largest ρ + ρ_pre first.
    public var rank99IfBaseRounded: [Entry]

    /// The entries of `layers`.
    public init(layers: [LayerAnalysis]) {
        let all = layers.flatMap { layer in
            layer.tasks.compactMap { task -> Entry? in
                guard let rounding = task.storageRounding, let share = rounding.share else { return nil }
                return Entry(layer: layer.name, task: task.task, dtype: rounding.dtype, share: share, baseShare: rounding.baseShare)
            }
        }.sorted { $0.share > $1.share }
        rank99 = all.filter { $0.share >= StorageRounding.rank99Floor }
        rank90 = all.filter { $0.share >= StorageRounding.rank90Floor }
        rank99IfBaseRounded = all.filter { $0.share < StorageRounding.rank99Floor && $0.share + ($0.baseShare ?? 0) >= StorageRounding.rank99Floor }
            .sorted { $0.share + $0.baseShare! > $1.share + $1.baseShare! }
    }

    /// True when no rank of any task-layer is within the floor, even with W_pre's rounding.
    public var isEmpty: Bool { rank99.isEmpty && rank99IfBaseRounded.isEmpty }
}
