import Analysis

/// The one paragraph a report gives to ``StorageRoundingFloor``: which task-layers' rank99 (ρ ≥ 1%) and
/// rank90 (ρ ≥ 10%) are within the storage-rounding floor, with the dtypes and ρ; nothing when none is.
enum StorageRoundingNote {
    static func document(_ layers: [LayerAnalysis]) -> ReportDocument {
        var doc = ReportDocument()
        let floor = StorageRoundingFloor(layers: layers)
        guard !floor.isEmpty else { return doc }
        let measured = layers.reduce(0) { $0 + $1.tasks.filter { $0.storageRounding?.share != nil }.count }
        var text = "Storage rounding: in \(describe(floor.rank99, of: measured)), W_ft's expected rounding error in its stored dtype "
            + "is at least the 1% of ‖ΔW‖² that rank99 leaves out, so their rank99 (and the spectrum's 99% depth) measures the "
            + "storage format's rounding, spread over every direction, not the fine-tuning."
        if !floor.rank90.isEmpty {
            text += " In \(describe(floor.rank90, of: measured)) ρ ≥ 10%: rank90 too."
        }
        text += " (ρ = Σ ulp²/12 / ‖ΔW‖², an estimate under uniform rounding; see the README.)"
        doc.paragraph(text)
        return doc
    }

    /// "3 of 12 task-layers (BF16; ρ 1.2%–4.5%, largest q_proj / ft0)", or for one entry its layer and task.
    private static func describe(_ entries: [StorageRoundingFloor.Entry], of measured: Int) -> String {
        let dtypes = Array(Set(entries.map(\.dtype.rawValue))).sorted().joined(separator: ", ")
        let largest = entries[0]
        if entries.count == 1 {
            return "\(largest.layer) / \(largest.task) (\(dtypes), ρ = \(Format.percent(largest.share, digits: 1)))"
        }
        let smallest = entries[entries.count - 1]
        return "\(entries.count) of \(measured) task-layers (\(dtypes); ρ \(Format.percent(smallest.share, digits: 1))–"
            + "\(Format.percent(largest.share, digits: 1)), largest \(largest.layer) / \(largest.task))"
    }
}
