/// A graded score beside the three levels: the expected share of the tasks' accuracy a task-arithmetic
/// merge keeps (mean over tasks of merged / individual accuracy at the best λ), read off the worst task's
/// data-free residual L(λ*).
///
/// expected = clamp(intercept + slope · worstResidual, 0, 1), ± `band`.
///
/// The line is a least-squares fit to the eight measured merges in `../shared/models/minilm-l6/merges.json`
/// (all-MiniLM-L6-v2, three pairs and the triple, full fine-tunes and LoRA adapters; residuals from layers
/// 0 and 5; `reference/retention_calibration.py` refits it): retention = 1.0571 − 0.4925 · L, RMS error
/// 0.035, largest miss 0.064 — the band. Eight merges of one architecture are thin evidence: the
/// calibrated range of L is 0.20–0.39 and `extrapolated` says when a merge lies outside it.
public struct RetentionEstimate: Codable, Sendable, Equatable {
    /// The fitted line and its support.
    public static let intercept = 1.0571
    public static let slope = -0.4925
    public static let band = 0.064
    public static let calibratedResiduals: ClosedRange<Double> = 0.20...0.39

    /// Expected mean share of accuracy kept, in [0, 1].
    public var expected: Double
    /// ± this much: the largest miss of the fit on the merges it rests on.
    public var band: Double
    /// The worst residual the estimate was read from.
    public var worstResidual: Double
    /// True when `worstResidual` lies outside the calibrated range.
    public var extrapolated: Bool

    /// The estimate for a merge whose worst task keeps `worstResidual` of its own update's error at λ*.
    public init(worstResidual: Double) {
        self.worstResidual = worstResidual
        expected = Swift.min(1, Swift.max(0, Self.intercept + Self.slope * worstResidual))
        band = Self.band
        extrapolated = !Self.calibratedResiduals.contains(worstResidual)
    }

    /// The worst residual at which the expected share falls to `share` (inverts the line).
    public static func residual(keeping share: Double) -> Double { (share - intercept) / slope }
}
