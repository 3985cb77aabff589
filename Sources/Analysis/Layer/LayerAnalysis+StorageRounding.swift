extension LayerAnalysis {
    /// Attaches each task's measured storage rounding (`rounding[i]` for task i, nil where not measured)
    /// with its share ρ = E_round / ‖ΔW‖²_F of this layer's update (``StorageRounding/sharing(of:)``).
    /// Precondition: one entry per task.
    public mutating func attachStorageRounding(_ rounding: [StorageRounding?]) {
        precondition(rounding.count == tasks.count, "one storage rounding per task")
        for i in tasks.indices {
            let norm = tasks[i].spectrum.norm
            tasks[i].storageRounding = rounding[i]?.sharing(of: norm * norm)
        }
    }
}
