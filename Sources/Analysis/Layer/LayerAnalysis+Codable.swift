/// The JSON of one task's result carries, besides its stored fields, the scalars users look for, so a
/// reader need not re-derive them from the 3×3 map and the spectrum:
///
/// - `E_I` = E[top][top], `E_II` = E[middle][middle], `E_II_III` = Σ_{a,b ≠ top} E[a][b] (SMILE's numbers);
/// - `topCross` = Σ of the blocks with exactly one side in the top zone (E[top][b] + E[a][top], a, b ≠ top);
///   E_I + topCross + E_II_III = 1 (to rounding) for a nonzero update;
/// - `deltaNorm` = ‖ΔW‖_F, `relativeNorm` = ‖ΔW‖_F / ‖W_pre‖_F;
/// - `rank90`, `rank99`: the smallest rank keeping 90% / 99% of ‖ΔW‖².
///
/// `storageRounding` (when measured) is stored, not derived, and optional: records without it decode.
///
/// The others are derived, so decoding (synthesized) ignores them: what is encoded decodes back to the same value.
extension LayerAnalysis.TaskResult {
    private enum Key: String, CodingKey {
        case task, energy, energyFourWay, spectrum, intruders, expertRank, storageRounding
        case E_I, E_II, E_II_III, topCross, deltaNorm, relativeNorm, rank90, rank99
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(task, forKey: .task)
        try c.encode(energy, forKey: .energy)
        try c.encodeIfPresent(energyFourWay, forKey: .energyFourWay)
        try c.encode(spectrum, forKey: .spectrum)
        try c.encodeIfPresent(intruders, forKey: .intruders)
        try c.encode(expertRank, forKey: .expertRank)
        try c.encodeIfPresent(storageRounding, forKey: .storageRounding)
        try c.encode(energy.top, forKey: .E_I)
        try c.encode(energy.middle, forKey: .E_II)
        try c.encode(energy.middlePlusTail, forKey: .E_II_III)
        try c.encode(energy.topCross, forKey: .topCross)
        try c.encode(spectrum.norm, forKey: .deltaNorm)
        try c.encode(spectrum.relativeNorm, forKey: .relativeNorm)
        try c.encode(spectrum.effectiveRank90, forKey: .rank90)
        try c.encode(spectrum.effectiveRank99, forKey: .rank99)
    }
}
