/// Which spectra `--budget` water-fills over, or one k for every layer (`--budget-on`).
///
/// Experts are always cut from what the shared path leaves (the residuals Rᵢ, ``SharedPath``); this only
/// chooses how many triplets each layer gets for the same parameter cost:
///
/// - ``residuals``: greedy water-filling on the residuals' per-expert energy shares
///   Σ_{j≤k} σⱼ(Rᵢ)² / ‖Rᵢ‖² — the energy the expert actually keeps.
/// - ``updates``: greedy water-filling on each task's own update ΔWᵢ = Wᵢ − W_pre,
///   Σ_{j≤k} σⱼ(ΔWᵢ)² / ‖ΔWᵢ‖² — the energy of what the expert is meant to restore; k is then at most
///   the update's rank (8 for rank-8 adapters), whatever rank the residual has.
/// - ``uniform``: the largest single k (clamped per layer to the residuals' rank) whose cost fits.
///
/// With ``SharedPath/pretrained`` the residuals are the updates, so the first two coincide.
///
/// Measured on the realtasks family (`benchmarks/realtasks-smile.md`, "Ranks where they pay"; full test
/// splits, Iso-C shared path): at the same parameter cost ``updates`` keeps 1.007 of the full fine-tunes
/// at +50% against 0.993 for ``residuals`` (whose flat Iso-C spectra starve the MLP projections), and
/// ties on the LoRA adapters at +10% (0.952 both); it is the default (``measuredDefault``).
public enum BudgetAllocation: String, Sendable, Equatable, CaseIterable, Codable {
    case residuals
    case updates
    case uniform

    /// What `upscale --budget` uses when `--budget-on` is not given.
    public static let measuredDefault = BudgetAllocation.updates
}
