import Analysis
import ArgumentParser
import Foundation

/// The exit statuses of `smile-inspect`, documented in `--help` and the README:
///
/// | status | meaning |
/// |---|---|
/// | 0 | success; for `mergeable`, the set is mergeable |
/// | 1 | `mergeable`: risky |
/// | 2 | `mergeable`: not mergeable |
/// | 3 | input error: a checkpoint, adapter or tensor is missing or malformed, or a layer name matches nothing |
/// | 4 | analysis error: an SVD did not converge, or the inputs are numerically unusable |
/// | 5 | output error: a report, figure or model could not be written |
/// | 6 | report from a results store that is not complete yet (a shard has not finished): the report covers the stored layers |
/// | 64 | usage error: bad options (from swift-argument-parser) |
extension ExitCode {
    static let inputError = ExitCode(3)
    static let analysisError = ExitCode(4)
    static let outputError = ExitCode(5)
    static let incompleteStore = ExitCode(6)
}

/// Prints one line `error: …` on standard error and returns the exit status that fits the error.
func reportFailure(_ error: Error) -> ExitCode {
    if let exit = error as? ExitCode { return exit }
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    switch error {
    case is CheckpointError, is FamilyAnalyzerError, is StoreError, is ValidationError, is MergekitConfigError: return .inputError
    case is OutputError: return .outputError
    default: return .analysisError
    }
}

/// A report, figure or model could not be written (exit 5).
struct OutputError: Error, CustomStringConvertible {
    var path: String
    var underlying: String
    var description: String { "cannot write \(path): \(underlying)" }
}
