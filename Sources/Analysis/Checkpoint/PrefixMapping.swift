/// How a fine-tune's tensor names relate to the base's: model name = `modelPrefix` + rest ⇔ base name =
/// `basePrefix` + rest. The identity has both prefixes empty.
///
/// Handles the common wrappers: a task model saved as `bert.encoder…` against a base `encoder…` (model
/// prefix `bert.`), the reverse, or one wrapper swapped for another (`model.` ↔ `bert.`). Prefixes are
/// whole dot-separated components, at most ``maximumComponents`` of them.
public struct PrefixMapping: Sendable, Hashable, CustomStringConvertible {
    /// Prefix of the fine-tune's names, e.g. `bert.`.
    public let modelPrefix: String
    /// Prefix of the base's names.
    public let basePrefix: String

    /// The mapping that changes nothing.
    public static let identity = PrefixMapping(modelPrefix: "", basePrefix: "")

    /// The most prefix components considered on either side.
    public static let maximumComponents = 3

    /// True when names are used unchanged.
    public var isIdentity: Bool { modelPrefix.isEmpty && basePrefix.isEmpty }

    /// The base name for a fine-tune name, or nil when it lacks the model prefix.
    public func baseName(forModel name: String) -> String? {
        name.hasPrefix(modelPrefix) ? basePrefix + name.dropFirst(modelPrefix.count) : nil
    }

    /// The fine-tune name for a base name, or nil when it lacks the base prefix.
    public func modelName(forBase name: String) -> String? {
        name.hasPrefix(basePrefix) ? modelPrefix + name.dropFirst(basePrefix.count) : nil
    }

    /// E.g. `"bert.*" in the model is "*" in the base`.
    public var description: String { "\"\(modelPrefix)*\" in the model is \"\(basePrefix)*\" in the base" }

    /// The mapping under which the most of `modelNames` are found in `baseNames`, and how many are.
    ///
    /// The identity wins unless another mapping matches strictly more names. Candidates come from
    /// pairs of names sharing a suffix of at least two components (so `weight` alone never links
    /// unrelated names), reduced so that the prefixes do not end in the same component. Two different
    /// mappings tied for the most matches throw ``CheckpointError/ambiguousPrefixMapping(model:candidates:)``.
    static func best(base baseNames: Set<String>, model modelNames: [String], modelLabel: String) throws -> (mapping: PrefixMapping, matches: Int) {
        let identityMatches = modelNames.reduce(0) { $0 + (baseNames.contains($1) ? 1 : 0) }
        if identityMatches == modelNames.count { return (.identity, identityMatches) }
        var basePrefixesBySuffix = [Substring: [Substring]]()
        for name in baseNames {
            for (prefix, suffix) in splits(of: name) { basePrefixesBySuffix[suffix, default: []].append(prefix) }
        }
        var matchedNames = [PrefixMapping: Set<String>]()
        for name in modelNames {
            for (modelPrefix, suffix) in splits(of: name) {
                for basePrefix in basePrefixesBySuffix[suffix] ?? [] {
                    let candidate = reduced(String(modelPrefix), String(basePrefix))
                    if !candidate.isIdentity { matchedNames[candidate, default: []].insert(name) }
                }
            }
        }
        let ranked = matchedNames.map { (mapping: $0.key, matches: $0.value.count) }.sorted { $0.matches > $1.matches }
        guard let top = ranked.first, top.matches > identityMatches else { return (.identity, identityMatches) }
        let tied = ranked.filter { $0.matches == top.matches }
        guard tied.count == 1 else {
            throw CheckpointError.ambiguousPrefixMapping(model: modelLabel, candidates: tied.map(\.mapping.description).sorted())
        }
        return top
    }

    /// `name` split after 0…``maximumComponents`` leading components, keeping ≥ 2 components in the suffix.
    private static func splits(of name: String) -> [(prefix: Substring, suffix: Substring)] {
        var result = [(name.prefix(0), name[...])]
        var index = name.startIndex
        for _ in 0..<maximumComponents {
            guard let dot = name[index...].firstIndex(of: ".") else { break }
            index = name.index(after: dot)
            guard name[index...].contains(".") else { break }
            result.append((name[..<index], name[index...]))
        }
        return result
    }

    /// Drops trailing components the two prefixes share: (`bert.encoder.`, `encoder.`) → (`bert.`, ``).
    private static func reduced(_ modelPrefix: String, _ basePrefix: String) -> PrefixMapping {
        var model = modelPrefix.split(separator: ".")
        var base = basePrefix.split(separator: ".")
        while let last = model.last, last == base.last {
            model.removeLast()
            base.removeLast()
        }
        func join(_ parts: [Substring]) -> String { parts.map { $0 + "." }.joined() }
        return PrefixMapping(modelPrefix: join(model), basePrefix: join(base))
    }
}
