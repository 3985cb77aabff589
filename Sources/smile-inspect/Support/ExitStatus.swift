import Analysis
import ArgumentParser
import Foundation
import Plots

/// The exit statuses of `smile-inspect`, documented in `--help` and the README, and the one rule that
/// maps every error to its status:
///
/// | status | meaning |
/// |---|---|
/// | 0 | success; for `mergeable`, the set is mergeable |
/// | 1 | `mergeable`: risky |
/// | 2 | `mergeable`: not mergeable |
/// | 3 | input error: an input cannot be read, or is missing or malformed, or a layer name matches nothing, or `--include/--exclude` select no tensor, or the compatibility check finds the family incompatible |
/// | 4 | analysis error: an SVD did not converge, the inputs are numerically unusable, or one layer alone exceeds --max-memory |
/// | 5 | output error: a report, figure, config, store or model cannot be written (checked before any analysis) |
/// | 6 | report from a results store that is not complete yet (a shard has not finished) |
/// | 64 | usage error: a bad option value or combination (swift-argument-parser's, or found while running: a `--shard auto` without its scheduler, an invalid pattern) |
extension ExitCode {
    static let inputError = ExitCode(3)
    static let analysisError = ExitCode(4)
    static let outputError = ExitCode(5)
    static let incompleteStore = ExitCode(6)
    static let usageError = ExitCode(64)
}

/// Prints one line `error: …` on standard error and returns the exit status that fits the error.
func reportFailure(_ error: Error) -> ExitCode {
    if let exit = error as? ExitCode { return exit }
    ReportOutput.note("error: \(message(error))\n")
    return exitCode(error)
}

/// The status of an error, by the table above. A `ValidationError` thrown while running (not while
/// parsing, where swift-argument-parser makes it 64) is about an input, like ``InputError``.
private func exitCode(_ error: Error) -> ExitCode {
    switch error {
    case CheckpointError.unwritable, is OutputError, UpscaleError.outputExists, UpscaleError.cannotWrite, PlotError.cannotWrite, MergeError.outputIsInput: return .outputError
    case MergeError.invalidOption: return .usageError
    case FamilyAnalyzerError.emptySelection: return .inputError
    case StoreError.invalidShard, UpscaleError.invalidOption, UpscaleError.unknownModel, is FamilyAnalyzerError: return .usageError
    case StoreError.resultMissing: return .incompleteStore
    case is CheckpointError, is StoreError, is UpscaleError, is ValidationError, is MergekitConfigError, is InputError, is MergeError: return .inputError
    default: return .analysisError
    }
}

/// One line for the user. Our errors describe themselves in one line naming the path; anything that
/// still comes from Foundation is reduced to the file it names and the system's reason, never its
/// own wording.
private func message(_ error: Error) -> String {
    guard error is CocoaError || error is POSIXError || type(of: error) is NSError.Type else {
        return "\(error)".replacingOccurrences(of: "\n", with: " ")
    }
    let nsError = error as NSError
    let path = (nsError.userInfo[NSFilePathErrorKey] as? String) ?? (nsError.userInfo[NSURLErrorKey] as? URL)?.path
    let reason = (nsError.userInfo[NSUnderlyingErrorKey] as? NSError).flatMap { $0.domain == NSPOSIXErrorDomain ? String(cString: strerror(Int32($0.code))) : nil }
        ?? "operation failed (code \(nsError.code))"
    return path.map { "\($0): \(reason)" } ?? reason
}

/// A report, figure or model could not be written (exit 5).
struct OutputError: Error, CustomStringConvertible {
    var path: String
    var underlying: String
    var description: String { "\(path): cannot write: \(underlying)" }
}

/// An input the user named cannot be used, found while running (exit 3): e.g. a layer that is not a
/// 2-D weight.
struct InputError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
