import Foundation

/// Compares two encodings of one result up to float rounding: the same keys, strings and nulls,
/// and every number within `relative`·max(|a|, |b|) + `absolute`. For determinism checks that run beside
/// other tests: OpenBLAS's thread count is process-wide, so a concurrent test can change it between two
/// analyses, which reorders sums in the last bits (a real run has one analysis per process).
enum JSONNumbers {
    /// The first path at which `a` and `b` differ beyond rounding, or nil when they agree.
    static func firstDifference<T: Encodable>(_ a: T, _ b: T, relative: Double = 1e-5, absolute: Double = 1e-9) throws -> String? {
        let encoder = JSONEncoder()
        let left = try JSONSerialization.jsonObject(with: encoder.encode(a), options: [.fragmentsAllowed])
        let right = try JSONSerialization.jsonObject(with: encoder.encode(b), options: [.fragmentsAllowed])
        return difference(left, right, path: "$", relative: relative, absolute: absolute)
    }

    private static func difference(_ a: Any, _ b: Any, path: String, relative: Double, absolute: Double) -> String? {
        switch (a, b) {
        case let (x as [String: Any], y as [String: Any]):
            guard Set(x.keys) == Set(y.keys) else { return "\(path): keys \(x.keys.sorted()) vs \(y.keys.sorted())" }
            for key in x.keys.sorted() {
                if let found = difference(x[key]!, y[key]!, path: "\(path).\(key)", relative: relative, absolute: absolute) { return found }
            }
            return nil
        case let (x as [Any], y as [Any]):
            guard x.count == y.count else { return "\(path): \(x.count) vs \(y.count) elements" }
            for (index, (p, q)) in zip(x, y).enumerated() {
                if let found = difference(p, q, path: "\(path)[\(index)]", relative: relative, absolute: absolute) { return found }
            }
            return nil
        case let (x as NSNumber, y as NSNumber):
            // Booleans arrive as numbers too (0 or 1), so a flipped flag differs by 1.
            let p = x.doubleValue, q = y.doubleValue
            return abs(p - q) <= relative * max(abs(p), abs(q)) + absolute ? nil : "\(path): \(p) vs \(q)"
        case let (x as String, y as String):
            return x == y ? nil : "\(path): \"\(x)\" vs \"\(y)\""
        case (is NSNull, is NSNull):
            return nil
        default:
            return "\(path): \(a) vs \(b)"
        }
    }
}
