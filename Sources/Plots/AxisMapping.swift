import Foundation

/// Maps data values on one axis to positions in points, through a linear or log10 transform.
struct AxisMapping {
    let scale: AxisScale
    /// The axis limits in data units (both > 0 on a log axis).
    let limits: ClosedRange<Double>
    /// Position of `limits.lowerBound` (left edge for x, bottom edge for y).
    let start: Double
    /// Position of `limits.upperBound`.
    let end: Double

    /// `value` in transformed units (log10 on a log axis); nil when it cannot be drawn.
    static func transform(_ value: Double, _ scale: AxisScale) -> Double? {
        guard value.isFinite else { return nil }
        switch scale {
        case .linear: return value
        case .log10: return value > 0 ? Foundation.log10(value) : nil
        }
    }

    /// The position of `value`, or nil for NaN, infinity, and non-positive values on a log axis.
    func position(_ value: Double) -> Double? {
        guard let t = Self.transform(value, scale),
              let lo = Self.transform(limits.lowerBound, scale),
              let hi = Self.transform(limits.upperBound, scale) else { return nil }
        return start + (t - lo) / (hi - lo) * (end - start)
    }

    /// The position of `value`, with values that cannot be drawn (≤ 0 on a log axis) pinned to the
    /// lower limit: the base of a bar.
    func clampedPosition(_ value: Double) -> Double {
        position(value) ?? start
    }

    /// Axis limits fitting `values` with a 5% margin on each side (in transformed units); `stickyZero`
    /// keeps 0 as a hard edge when the data lie on one side of it (bars). Falls back to 0…1 (1…10 on a
    /// log axis) without drawable data, and widens a single value into a small range.
    static func automaticLimits(_ values: [Double], scale: AxisScale, stickyZero: Bool) -> ClosedRange<Double> {
        let transformed = values.compactMap { transform($0, scale) }
        guard var lo = transformed.min(), var hi = transformed.max() else {
            return scale == .log10 ? 1...10 : 0...1
        }
        if hi - lo < 1e-12 * max(1, abs(hi)) {
            let half = scale == .log10 ? 0.5 : (lo == 0 ? 1 : abs(lo) * 0.1)
            lo -= half
            hi += half
        } else {
            let margin = (hi - lo) * 0.05
            let zeroAtLow = stickyZero && scale == .linear && lo == 0
            let zeroAtHigh = stickyZero && scale == .linear && hi == 0
            if !zeroAtLow { lo -= margin }
            if !zeroAtHigh { hi += margin }
        }
        return scale == .log10 ? pow(10, lo)...pow(10, hi) : lo...hi
    }
}
