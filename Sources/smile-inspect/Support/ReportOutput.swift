import Analysis
import Foundation

/// Writes a report to standard output, or atomically to a file.
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

    /// Prints `text`, or writes it to `path` through a temp file and rename.
    static func emit(_ text: String, to path: String?) throws {
        guard let path else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do {
            try AtomicFile.write(data: Data(text.utf8), to: URL(fileURLWithPath: path))
        } catch {
            throw OutputError(path: path, underlying: "\(error)")
        }
    }
}
