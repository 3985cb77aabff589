import Foundation
@testable import Analysis

/// The demo family written to a fresh directory, with an empty store path beside it.
struct StoreTestFamily {
    let root: URL
    let family: ModelFamily
    var store: URL { root.appendingPathComponent("store") }

    init() throws {
        root = try Fixtures.temporaryDirectory()
        let paths = try DemoFamily.write(to: root.appendingPathComponent("family"))
        family = try ModelFamily.open(base: paths.base.path, models: paths.models.map(\.path))
    }

    /// An analyzer writing to this family's store (nil: in memory), optionally one shard of it.
    func analyzer(store: Bool = true, shard: Shard? = nil, thresholds: VerdictThresholds = VerdictThresholds(), options: AnalysisOptions = AnalysisOptions()) -> FamilyAnalyzer {
        var options = options
        options.thresholds = thresholds
        var analyzer = FamilyAnalyzer(options: options)
        analyzer.store = store ? self.store : nil
        analyzer.shard = shard
        return analyzer
    }

    /// A report encoded as the CLI encodes its JSON contract.
    static func json(_ report: FamilyReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }
}

extension StoreTestFamily {
    /// Whether two reports agree to a relative 1e-6 in every number and exactly in everything else.
    ///
    /// For reports of two separate computations in this test process: other suites running at the same
    /// time change OpenBLAS's process-wide thread count, which moves float32 results in their last digits.
    /// (Separate processes agree byte for byte: `StoreCommandTests`.)
    static func close(_ a: FamilyReport, _ b: FamilyReport) throws -> Bool {
        let left = try JSONSerialization.jsonObject(with: Data(try json(a).utf8))
        let right = try JSONSerialization.jsonObject(with: Data(try json(b).utf8))
        return close(left, right)
    }

    private static func close(_ a: Any, _ b: Any) -> Bool {
        switch (a, b) {
        case let (a as [String: Any], b as [String: Any]):
            return a.keys.sorted() == b.keys.sorted() && a.keys.allSatisfy { close(a[$0]!, b[$0]!) }
        case let (a as [Any], b as [Any]):
            return a.count == b.count && zip(a, b).allSatisfy { close($0, $1) }
        case let (a as String, b as String):
            return a == b || numbersInText(a, b)
        case let (a as NSNumber, b as NSNumber):
            let (x, y) = (a.doubleValue, b.doubleValue)
            return x == y || abs(x - y) <= 1e-6 * max(abs(x), abs(y), 1e-3)
        default:
            return a is NSNull && b is NSNull
        }
    }

    /// Reasons quote numbers rounded for reading: texts that differ only in such a digit are accepted
    /// when they have the same words.
    private static func numbersInText(_ a: String, _ b: String) -> Bool {
        let words = { (text: String) in text.split(whereSeparator: { $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" }) }
        return words(a) == words(b)
    }
}
