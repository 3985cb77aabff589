extension ModelFamily {
    /// The matched tensor a user's layer query names.
    ///
    /// In order: the exact name; the name with `.weight` appended; the unique matched name that ends with
    /// `.<query>` or `.<query>.weight` (so `layer.0.attention.self.query` finds
    /// `encoder.layer.0.attention.self.query.weight`). Several suffix matches throw
    /// ``CheckpointError/ambiguousLayer(query:matches:)`` (first 5 listed); none throws
    /// ``CheckpointError/layerNotFound(query:candidates:)`` with the 5 closest names, ranked by the edit
    /// distance from the query to the nearest run of whole components of the name (of the query's
    /// component count ± 1), then to the whole name.
    public func resolve(layer query: String) throws -> String {
        for exact in [query, query + ".weight"] where matchedIndex[exact] != nil { return exact }
        let suffixes = ["." + query, "." + query + ".weight"]
        let matches = matched.map(\.name).filter { name in suffixes.contains { name.hasSuffix($0) } }
        if matches.count == 1 { return matches[0] }
        if !matches.isEmpty { throw CheckpointError.ambiguousLayer(query: query, matches: Array(matches.prefix(5))) }
        let ranked = matched.map(\.name).map { name in
            (name: name, window: Self.windowDistance(query, name), whole: Self.editDistance(query, name))
        }
        let closest = ranked.sorted { ($0.window, $0.whole, $0.name) < ($1.window, $1.whole, $1.name) }.prefix(5).map(\.name)
        throw CheckpointError.layerNotFound(query: query, candidates: closest)
    }

    /// The smallest edit distance from `query` to a run of consecutive dot-separated components of `name`
    /// whose count is within one of the query's.
    static func windowDistance(_ query: String, _ name: String) -> Int {
        let components = name.split(separator: ".", omittingEmptySubsequences: false)
        let width = query.split(separator: ".", omittingEmptySubsequences: false).count
        var best = Int.max
        for count in max(1, width - 1)...(width + 1) where count <= components.count {
            for start in 0...(components.count - count) {
                best = min(best, editDistance(query, components[start..<(start + count)].joined(separator: ".")))
            }
        }
        return best == Int.max ? editDistance(query, name) : best
    }

    /// Levenshtein distance between `a` and `b` (unit cost insert, delete, substitute), over UTF-8 bytes.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
