import Foundation

/// How numbers appear in reports: fractions as percentages, norms with 4 significant digits, ratios
/// to the random baseline as "×1.8".
enum Format {
    /// 0.1234 → "12.34%".
    static func percent(_ x: Double, digits: Int = 2) -> String { String(format: "%.\(digits)f%%", 100 * x) }
    /// 4 significant digits, scientific outside 1e-3…1e5.
    static func number(_ x: Double) -> String {
        if x == 0 { return "0" }
        if !x.isFinite { return "\(x)" }
        let magnitude = abs(x)
        return magnitude >= 1e-3 && magnitude < 1e5 ? String(format: "%.4g", x) : String(format: "%.3e", x)
    }
    /// Fixed 3 decimals.
    static func fixed(_ x: Double, digits: Int = 3) -> String { String(format: "%.\(digits)f", x) }
    /// A ratio to the random baseline, "×0.82", or "—" for an empty block.
    static func ratio(_ x: Double?) -> String { x.map { String(format: "×%.2f", $0) } ?? "—" }
    /// An optional value with fixed decimals, or "—".
    static func optional(_ x: Double?, digits: Int = 3) -> String { x.map { fixed($0, digits: digits) } ?? "—" }
    /// Parameter counts: 1234567 → "1.23M".
    static func count(_ n: Int) -> String {
        let x = Double(n)
        switch x {
        case 1e9...: return String(format: "%.2fB", x / 1e9)
        case 1e6...: return String(format: "%.2fM", x / 1e6)
        case 1e3...: return String(format: "%.1fk", x / 1e3)
        default: return "\(n)"
        }
    }

    /// 1536 → "1.5 KiB".
    static func bytes(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }

    /// 11234567 → "11,234,567".
    static func grouped(_ number: Int) -> String {
        let digits = Array(String(number))
        return digits.enumerated().map { index, digit in
            index > 0 && (digits.count - index) % 3 == 0 ? ",\(digit)" : String(digit)
        }.joined()
    }
}
