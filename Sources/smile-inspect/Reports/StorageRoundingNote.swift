import Analysis

/// The one paragraph a report gives to ``StorageRoundingFloor``: which task-layers' rank99 (ρ ≥ 1%) and
/// rank90 (ρ ≥ 10%) are within the storage-rounding floor, and which reach it only with W_pre's rounding
/// added (ρ + ρ_pre ≥ 1%), with the dtypes and shares; nothing when none is.
enum StorageRoundingNote {
    static func document(_ layers: [LayerAnalysis]) -> ReportDocument {
        var doc = ReportDocument()
        let floor = StorageRoundingFloor(layers: layers)
        guard !floor.isEmpty else { return doc }
        let measured = layers.reduce(0) { $0 + $1.tasks.filter { $0.storageRounding?.share != nil }.count }
        var sentences = [String]()
        if !floor.rank99.isEmpty {
            sentences.append("Storage rounding: in \(describe(floor.rank99, of: measured, "ρ") { $0.share }), W_ft's expected rounding error "
                + "in its stored dtype is at least the 1% of ‖ΔW‖² that rank99 leaves out, so their rank99 (and the spectrum's 99% depth) "
                + "measures the storage format's rounding, spread over every direction, not the fine-tuning.")
            if !floor.rank90.isEmpty {
                sentences.append("In \(describe(floor.rank90, of: measured, "ρ") { $0.share }) ρ ≥ 10%: rank90 too.")
            }
        }
        if !floor.rank99IfBaseRounded.isEmpty {
            let entries = describe(floor.rank99IfBaseRounded, of: measured, "ρ + ρ_pre") { $0.share + ($0.baseShare ?? 0) }
            sentences.append((floor.rank99.isEmpty ? "Storage rounding: in " : "In ") + entries + " ρ < 1% but W_pre's own rounding "
                + "brings it to 1% or more: if the fine-tune started from higher-precision weights than the stored base, "
                + "their rank99 is within the storage-rounding floor\(floor.rank99.isEmpty ? "" : " too").")
        }
        sentences.append("(ρ = Σ ulp(W_ft)²/12 / ‖ΔW‖², an estimate under uniform rounding; see the README.)")
        doc.paragraph(sentences.joined(separator: " "))
        return doc
    }

    /// "3 of 12 task-layers (BF16; ρ 1.2%–4.5%, largest q_proj / ft0)", or for one entry its layer and task.
    private static func describe(
        _ entries: [StorageRoundingFloor.Entry], of measured: Int, _ label: String, _ value: (StorageRoundingFloor.Entry) -> Double
    ) -> String {
        let dtypes = Array(Set(entries.map(\.dtype.rawValue))).sorted().joined(separator: ", ")
        let largest = entries[0]
        if entries.count == 1 {
            return "\(largest.layer) / \(largest.task) (\(dtypes), \(label) = \(Format.percent(value(largest), digits: 1)))"
        }
        let values = entries.map(value)
        let (low, high) = (Format.percent(values.min()!, digits: 1), Format.percent(values.max()!, digits: 1))
        return "\(entries.count) of \(measured) task-layers (\(dtypes); \(label) \(low == high ? low : low + "–" + high), "
            + "largest \(largest.layer) / \(largest.task))"
    }
}
