import Analysis
import Foundation

/// Writes a report to standard output or to a file (``AtomicFile``: atomically for a regular file,
/// written through for a device, FIFO or socket), and human notes to standard error.
enum ReportOutput {
    /// Encodes a result as a JSON document of the contract (docs/json.md): the value's keys plus
    /// `schemaVersion` and `command`; sorted keys, pretty printed, non-finite numbers as the strings
    /// "NaN", "Infinity", "-Infinity".
    static func json<T: Encodable>(_ value: T, command: String) throws -> String {
        try json(JSONDocument(command: command, body: value))
    }

    /// Encodes any value with the contract's encoder settings.
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    /// Prints `text`, or writes it to `path`.
    /// - Throws: ``CheckpointError/unwritable(file:reason:)`` (exit 5) when standard output or the file
    ///   cannot take it (a full disk, a closed descriptor). A closed pipe ends the process by SIGPIPE,
    ///   quietly, as for any Unix tool (`… | head -1`).
    static func emit(_ text: String, to path: String?) throws {
        guard let path else {
            try AtomicFile.Sink.standardOutput.write(text)
            return
        }
        try AtomicFile.write(data: Data(text.utf8), to: URL(fileURLWithPath: path))
    }

    /// Writes a human line (progress, a plan, a warning) to standard error. A failure to write there is
    /// ignored: there is nowhere left to report it.
    static func note(_ text: String) {
        try? AtomicFile.Sink.standardError.write(text)
    }
}
