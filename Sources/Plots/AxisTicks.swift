import Foundation

/// How data values map onto an axis.
public enum AxisScale: Equatable, Sendable {
    /// Evenly spaced values.
    case linear
    /// Evenly spaced powers of ten; non-positive values are not drawn.
    case log10
}

/// Tick positions and labels for one axis.
public struct AxisTicks: Equatable, Sendable {
    /// Labelled tick positions, increasing, in data units.
    public var major: [Double]
    /// Unlabelled tick positions (log axes: 2…9 × 10ᵏ), in data units.
    public var minor: [Double]
    /// One label per major tick.
    public var labels: [String]

    /// Ticks in `lo…hi` at a "nice" step 1, 2 or 5 × 10ᵏ chosen so that the count is close to `target`
    /// (for example 0…0.93 gives 0, 0.2, 0.4, 0.6, 0.8). Labels share one compact style:
    /// `0.25`, `1.0`, `1500`, `20k`, `5e-3`.
    public static func linear(from lo: Double, to hi: Double, target: Int = 6) -> AxisTicks {
        guard lo.isFinite, hi.isFinite, hi > lo else {
            return lo.isFinite ? AxisTicks(major: [lo], minor: [], labels: [NumberFormat.automatic.string(for: lo)]) : AxisTicks(major: [], minor: [], labels: [])
        }
        let raw = (hi - lo) / Double(max(target, 1))
        let exponent = Int(floor(Foundation.log10(raw)))
        var best: (step: Double, ticks: [Double])?
        for e in (exponent - 1)...(exponent + 1) {
            for mantissa in [1, 2, 5] {
                let ticks = multiples(of: mantissa, exponent: e, from: lo, to: hi)
                if let current = best, abs(current.ticks.count - target) <= abs(ticks.count - target) { continue }
                best = (Double(mantissa) * pow(10, Double(e)), ticks)
            }
        }
        let (step, major) = best!
        return AxisTicks(major: major, minor: [], labels: linearLabels(major, step: step))
    }

    /// Ticks for a log axis over `lo…hi` (both > 0): one labelled tick per decade (every second or
    /// third decade when there are more than `maxMajor`), minor ticks at 2…9 × 10ᵏ. A range spanning
    /// fewer than three decade ticks gets labelled ticks at 1, 2, 5 × 10ᵏ (or 1…9 × 10ᵏ) instead.
    public static func log10(from lo: Double, to hi: Double, maxMajor: Int = 8) -> AxisTicks {
        guard lo > 0, hi > lo, lo.isFinite, hi.isFinite else { return AxisTicks(major: [], minor: [], labels: []) }
        let tolerance = 1e-9
        let first = Int(ceil(Foundation.log10(lo) - tolerance)), last = Int(floor(Foundation.log10(hi) + tolerance))
        let inRange = { (v: Double) in v >= lo * (1 - tolerance) && v <= hi * (1 + tolerance) }
        let allDecades = Int(floor(Foundation.log10(lo))) ... Int(ceil(Foundation.log10(hi)))
        if last - first + 1 >= 3 {
            let count = last - first + 1
            let stride = (count + maxMajor - 1) / maxMajor
            let major = Swift.stride(from: first, through: last, by: stride).map { pow(10, Double($0)) }
            let minor: [Double]
            if stride == 1 {
                minor = allDecades.flatMap { e in (2...9).map { Double($0) * pow(10, Double(e)) } }.filter(inRange)
            } else {
                minor = allDecades.map { pow(10, Double($0)) }.filter { inRange($0) && !major.contains($0) }
            }
            return AxisTicks(major: major, minor: minor, labels: decadeLabels(major))
        }
        let all = allDecades.flatMap { e in (1...9).map { Double($0) * pow(10, Double(e)) } }.filter(inRange)
        let sparse = all.filter { [1.0, 2, 5].contains(($0 / pow(10, floor(Foundation.log10($0) + tolerance))).rounded()) }
        let major = all.count <= maxMajor || sparse.count < 2 ? all : sparse
        let minor = all.filter { !major.contains($0) }
        return AxisTicks(major: major, minor: minor, labels: major.map { NumberFormat.automatic.string(for: $0) })
    }

    /// Ticks for `scale` over `lo…hi`.
    public static func make(_ scale: AxisScale, from lo: Double, to hi: Double, target: Int = 6) -> AxisTicks {
        switch scale {
        case .linear: linear(from: lo, to: hi, target: target)
        case .log10: log10(from: lo, to: hi, maxMajor: max(target, 4))
        }
    }

    /// Labels for powers of ten in one style: plain (`0.01` … `1000`) when all are in that range,
    /// otherwise `1eN` (and `1` for 10⁰).
    private static func decadeLabels(_ decades: [Double]) -> [String] {
        if decades.allSatisfy({ $0 >= 1e-2 * (1 - 1e-9) && $0 <= 1e3 * (1 + 1e-9) }) {
            return decades.map { NumberFormat.automatic.string(for: $0) }
        }
        return decades.map { value in
            let exponent = Int(Foundation.log10(value).rounded())
            return exponent == 0 ? "1" : "1e\(exponent)"
        }
    }

    /// The multiples of `mantissa` × 10^`exponent` in `lo…hi`, each computed as an integer scaled by an
    /// exact power of ten so that 3 × 0.2 is 0.6, not 0.6000000000000001.
    private static func multiples(of mantissa: Int, exponent: Int, from lo: Double, to hi: Double) -> [Double] {
        let power = pow(10, Double(abs(exponent)))
        let step = exponent < 0 ? Double(mantissa) / power : Double(mantissa) * power
        let slack = step * 1e-9
        let first = ceil((lo - slack) / step), last = floor((hi + slack) / step)
        guard last >= first, last - first < 1000 else { return [] }
        return Swift.stride(from: first, through: last, by: 1).map { k in
            let units = k * Double(mantissa)
            return units == 0 ? 0 : (exponent < 0 ? units / power : units * power)
        }
    }

    /// Labels in one style for evenly spaced ticks: SI suffixes from 10⁴, scientific below 0.01,
    /// otherwise as many decimals as the step needs.
    private static func linearLabels(_ ticks: [Double], step: Double) -> [String] {
        let largest = ticks.map(abs).max() ?? 0
        if largest >= 1e4 {
            let (divisor, suffix) = largest >= 1e9 ? (1e9, "G") : largest >= 1e6 ? (1e6, "M") : (1e3, "k")
            return ticks.map { $0 == 0 ? "0" : NumberFormat.trimmed(fixed($0 / divisor, step: step / divisor)) + suffix }
        }
        if largest < 1e-2 {
            return ticks.map { $0 == 0 ? "0" : NumberFormat.scientific($0, significantDigits: 2) }
        }
        return ticks.map { fixed($0, step: step) }
    }

    /// `value` with as many decimals as `step` needs (so 0.8, 1.0, 1.2 line up); zero is plain `0`.
    private static func fixed(_ value: Double, step: Double) -> String {
        guard value != 0 else { return "0" }
        let decimals = max(0, -Int(floor(Foundation.log10(step) + 1e-9)))
        return NumberFormat.minus(String(format: "%.\(decimals)f", value))
    }
}
