import Foundation
import TestSupport

/// Where test fixtures live: the committed `Tests/AnalysisTests/Fixtures` folder, and the real MiniLM
/// family in `../shared/models/minilm-l6` beside the repository (absent on some machines).
enum Fixtures {
    /// The repository root, found from this source file's path.
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/AnalysisTests/Fixtures`.
    static let directory: URL = repositoryRoot.appendingPathComponent("Tests/AnalysisTests/Fixtures")

    /// A committed fixture file.
    static func url(_ relativePath: String) -> URL { directory.appendingPathComponent(relativePath) }

    /// The real all-MiniLM-L6-v2 family (`SMILE_MINILM_DIR` overrides), or nil when it is not on this machine.
    static var miniLM: URL? {
        let candidate = ProcessInfo.processInfo.environment["SMILE_MINILM_DIR"].map { URL(fileURLWithPath: $0) }
            ?? repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/models/minilm-l6")
        return FileManager.default.fileExists(atPath: candidate.appendingPathComponent("base/model.safetensors").path) ? candidate : nil
    }

    /// A fresh empty temporary directory.
    static func temporaryDirectory() throws -> URL {
        try ScratchDirectory.make("smile-inspect-tests")
    }
}
