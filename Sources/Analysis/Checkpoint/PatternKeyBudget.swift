/// Refuses PEFT pattern keys whose regular expression could take unbounded time to match.
///
/// `rank_pattern` / `alpha_pattern` keys are regexes run by a backtracking engine (Swift `Regex`, like
/// Python's `re`) against every module name of an adapter, so an untrusted config could make opening it
/// hang: `(a*)*b` takes a minute against a 26-character name, twice as long per extra character, and
/// `a?` repeated 20 times, or 16 groups `(a|a)`, never finish. A key is accepted only within a budget
/// that keeps matching a low-degree polynomial in the name's length:
/// - no repeated group (`(…)*`, `(…)+`, `(…){n}`): the exponential shape;
/// - at most ``maximumVariableQuantifiers`` quantifiers of variable width (`*`, `+`, `?`, `{m,n}`);
/// - alternatives multiplying to at most ``maximumAlternativePaths`` (`(q|k|v|o)` is 4, `(a|b)(c|d)` 4);
/// - at most ``maximumLength`` characters.
/// Escaped characters and character classes are skipped, so `\.`, `\d+` (one quantifier) and `[*+|]`
/// (none) are read as written. With module names of at most ``maximumModuleNameLength`` bytes (enforced
/// by ``LoRAAdapter`` when a config has patterns), one match takes under half a second in the worst case.
enum PatternKeyBudget {
    /// The longest key accepted, in characters.
    static let maximumLength = 256
    /// The most `*`, `+`, `?` and `{m,n}` quantifiers a key may use.
    static let maximumVariableQuantifiers = 2
    /// The largest product, over groups, of the number of `|`-separated alternatives.
    static let maximumAlternativePaths = 4
    /// The longest module name matched against pattern keys, in UTF-8 bytes (real ones are under 100).
    static let maximumModuleNameLength = 128

    /// What the previous syntax element was, to tell what a quantifier applies to.
    private enum Previous { case start, atom, group, quantifier }

    /// Why `key` is refused (a phrase completing "key … "), or nil when it is within the budget.
    static func problem(with key: String) -> String? {
        guard key.count <= maximumLength else { return "is longer than \(maximumLength) characters" }
        let scalars = Array(key.unicodeScalars)
        var index = 0, quantifiers = 0, paths = 1
        var alternatives = [1]
        var previous = Previous.start
        func tooManyPaths() -> String {
            "has more than \(maximumAlternativePaths) combinations of alternatives '|' (at most \(maximumAlternativePaths), to bound matching time)"
        }
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "\\":
                index += 1
                previous = .atom
            case "[":
                index = endOfClass(scalars, after: index)
                previous = .atom
            case "(":
                if index < scalars.count, scalars[index] == "?" { index += 1 }
                alternatives.append(1)
                previous = .start
            case ")":
                if alternatives.count > 1 { paths *= alternatives.removeLast() }
                if paths > maximumAlternativePaths { return tooManyPaths() }
                previous = .group
            case "|":
                alternatives[alternatives.count - 1] += 1
                previous = .start
            case "*", "+", "?", "{":
                var isVariable = true
                if scalar == "{" {
                    guard let (end, exact) = counted(scalars, after: index) else { previous = .atom; continue }
                    index = end
                    isVariable = !exact
                }
                if previous == .quantifier, scalar == "?" || scalar == "+" { continue }
                if previous == .group, scalar != "?" { return "repeats a group, which can take exponential time to match" }
                if isVariable { quantifiers += 1 }
                previous = .quantifier
            default:
                previous = .atom
            }
        }
        if quantifiers > maximumVariableQuantifiers {
            return "has \(quantifiers) variable quantifiers (at most \(maximumVariableQuantifiers), to bound matching time)"
        }
        if alternatives.reduce(paths, { Swift.min($0 * $1, maximumAlternativePaths + 1) }) > maximumAlternativePaths { return tooManyPaths() }
        return nil
    }

    /// The index after the `]` closing a class whose `[` precedes `start` (a `]` first in the class, or
    /// after `^`, is a literal), or the end.
    private static func endOfClass(_ scalars: [Unicode.Scalar], after start: Int) -> Int {
        var index = start
        if index < scalars.count, scalars[index] == "^" { index += 1 }
        if index < scalars.count, scalars[index] == "]" { index += 1 }
        while index < scalars.count {
            switch scalars[index] {
            case "\\": index += 2
            case "]": return index + 1
            default: index += 1
            }
        }
        return scalars.count
    }

    /// For `{` before `start`: the index after a counted quantifier `{n}`, `{n,}`, `{,m}` or `{n,m}` and
    /// whether it is exact (`{n}`, or `{n,n}`); nil when the brace is a literal.
    private static func counted(_ scalars: [Unicode.Scalar], after start: Int) -> (end: Int, exact: Bool)? {
        guard let close = scalars[start...].firstIndex(of: "}") else { return nil }
        let bounds = String(String.UnicodeScalarView(scalars[start..<close])).split(separator: ",", omittingEmptySubsequences: false)
        guard (1...2).contains(bounds.count), bounds.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              bounds.contains(where: { !$0.isEmpty })
        else { return nil }
        return (close + 1, bounds.count == 1 || bounds[0] == bounds[1])
    }
}
