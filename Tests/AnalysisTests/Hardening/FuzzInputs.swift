import Foundation

/// The fuzzing inputs committed under `fuzz/`: seed corpora (`fuzz/corpus/<target>/`, files named
/// `valid-…` or `rule-…` for the rule they break) and crash/hang reproducers (`fuzz/regressions/<target>/`).
enum FuzzInputs {
    /// `fuzz/` at the repository root.
    static let directory = Fixtures.repositoryRoot.appendingPathComponent("fuzz")

    /// The files of `fuzz/<kind>/<target>/`, sorted; empty when the folder does not exist.
    static func files(_ kind: String, _ target: String) -> [URL] {
        let folder = directory.appendingPathComponent(kind).appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().map { folder.appendingPathComponent($0) }
    }
}
