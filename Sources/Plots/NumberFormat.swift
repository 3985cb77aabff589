import Foundation

/// How numbers are written in tick labels, heatmap cells and annotations.
public enum NumberFormat: Equatable, Sendable {
    /// Compact, about three significant digits: `0.62`, `12.3`, `1234`, `12.3k`, `4.5M`, `1.2e-3`.
    case automatic
    /// A fixed number of decimals: `.fixed(2)` writes 0.5 as `0.50`.
    case fixed(Int)
    /// A percentage of 1 with the given decimals: `.percent(1)` writes 0.253 as `25.3%`.
    case percent(Int)

    /// `value` written in this format; NaN is written as `–`.
    public func string(for value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "–" : (value > 0 ? "∞" : "−∞") }
        switch self {
        case .automatic: return NumberFormat.compact(value, significantDigits: 3)
        case .fixed(let decimals): return NumberFormat.minus(String(format: "%.\(max(0, decimals))f", value))
        case .percent(let decimals): return NumberFormat.minus(String(format: "%.\(max(0, decimals))f", value * 100)) + "%"
        }
    }

    /// Compact notation with at most `significantDigits` significant digits and no trailing zeros:
    /// SI suffixes (k, M, G) from 10⁴, plain decimals down to 0.01, `1.5e-3` below.
    static func compact(_ value: Double, significantDigits: Int) -> String {
        let magnitude = abs(value)
        if magnitude == 0 { return "0" }
        if magnitude < 1e-2 { return scientific(value, significantDigits: significantDigits) }
        if magnitude >= 1e4 {
            for (divisor, suffix) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] where magnitude >= divisor * 0.99995 {
                if magnitude >= divisor * 1e3 { return scientific(value, significantDigits: significantDigits) }
                return compact(value / divisor, significantDigits: significantDigits) + suffix
            }
        }
        let decimals = max(0, significantDigits - 1 - Int(floor(log10(magnitude))))
        return trimmed(String(format: "%.\(decimals)f", value))
    }

    /// `1.5e-3` style: a trimmed mantissa and an exponent without `+` or leading zeros.
    static func scientific(_ value: Double, significantDigits: Int) -> String {
        let text = String(format: "%.\(max(0, significantDigits - 1))e", value)
        guard let e = text.firstIndex(of: "e") else { return text }
        let mantissa = trimmed(String(text[..<e]))
        let exponent = Int(text[text.index(after: e)...]) ?? 0
        return "\(mantissa)e\(exponent)"
    }

    /// Drops trailing zeros after a decimal point (and the point itself), and `-0` → `0`; uses a true
    /// minus sign.
    static func trimmed(_ text: String) -> String {
        var text = text
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        if text == "-0" { text = "0" }
        return minus(text)
    }

    /// Replaces an ASCII hyphen used as a sign by the typographic minus (U+2212).
    static func minus(_ text: String) -> String {
        text.hasPrefix("-") ? "−" + text.dropFirst() : text
    }
}
