/// The three verdicts, ordered from best to worst.
///
/// `smile-inspect mergeable` exits with ``exitCode``: 0, 1, 2.
public enum Mergeability: String, Codable, Sendable, Comparable, CaseIterable {
    /// Task arithmetic at λ* is expected to keep most of each task's accuracy.
    case mergeable
    /// Expect a clearly larger loss than for well-separated tasks; tune λ on data, or upscale with SMILE.
    case risky
    /// The updates collide (or rewrote the pretrained core); do not merge by task arithmetic.
    case notMergeable

    /// 0 mergeable, 1 risky, 2 not mergeable.
    public var exitCode: Int32 {
        switch self {
        case .mergeable: return 0
        case .risky: return 1
        case .notMergeable: return 2
        }
    }

    public static func < (a: Mergeability, b: Mergeability) -> Bool { a.exitCode < b.exitCode }
}
