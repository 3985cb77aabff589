/// The tensors a run looks at, by base tensor name: those matching ``include`` (every tensor when nil)
/// and not matching ``exclude`` — the `--include REGEX` / `--exclude REGEX` options. Patterns are Swift
/// regular expressions matched anywhere in the name (unanchored: `layer\.0\.` selects
/// `encoder.layer.0.attention.self.query.weight`).
///
/// ``FamilyAnalyzer`` analyses only these tensors, ``SmileUpscaler`` upscales only the linear weights
/// among them, and ``CompatibilityCheck`` and ``ModelFamily`` hold a missing or reshaped tensor against
/// the family only when it is selected.
public struct TensorSelection: @unchecked Sendable {
    /// The pattern a selected name matches; nil: every name.
    public let include: String?
    /// The pattern a selected name does not match; nil: none is left out.
    public let exclude: String?
    private let includeRegex: Regex<AnyRegexOutput>?
    private let excludeRegex: Regex<AnyRegexOutput>?

    /// Every tensor.
    public static let all = TensorSelection()

    private init() { (include, exclude, includeRegex, excludeRegex) = (nil, nil, nil, nil) }

    /// The selection of `include` and `exclude`.
    /// - Throws: ``FamilyAnalyzerError/invalidPattern(_:_:)`` when a pattern is not a regular expression.
    public init(include: String?, exclude: String?) throws {
        self.include = include
        self.exclude = exclude
        includeRegex = try include.map(Self.compile)
        excludeRegex = try exclude.map(Self.compile)
    }

    /// Whether every tensor is selected (no pattern given).
    public var isAll: Bool { include == nil && exclude == nil }

    /// Whether the tensor named `name` is selected.
    public func contains(_ name: String) -> Bool {
        if let includeRegex, name.firstMatch(of: includeRegex) == nil { return false }
        if let excludeRegex, name.firstMatch(of: excludeRegex) != nil { return false }
        return true
    }

    /// The options that make it, as a user types them: `--include 'layer\.0\.' --exclude 'value'`; empty
    /// for ``all``.
    public var options: String {
        [include.map { "--include '\($0)'" }, exclude.map { "--exclude '\($0)'" }].compactMap { $0 }.joined(separator: " ")
    }

    private static func compile(_ pattern: String) throws -> Regex<AnyRegexOutput> {
        do { return try Regex(pattern) } catch { throw FamilyAnalyzerError.invalidPattern(pattern, "\(error)") }
    }
}
