import Foundation

/// Reads small JSON side files (shard indexes, adapter configs) with the strict parser.
enum JSONFile {
    /// The largest JSON side file read (shard indexes of the biggest models are a few MB).
    static let maximumSize = 100_000_000

    /// The parsed content of `url`. Syntax problems are reported through `invalid(reason)`, which
    /// builds the caller's error; I/O problems as ``CheckpointError/unreadable(file:reason:)``.
    static func read(_ url: URL, invalid: (String) -> CheckpointError) throws -> JSONValue {
        let path = url.relativePath
        let file = try ReadOnlyFile(path: path)
        let size = try file.size()
        guard size <= maximumSize else { throw invalid("\(size) bytes is larger than the \(maximumSize)-byte limit") }
        let bytes = try file.read(count: size, at: 0, tensor: nil)
        guard StrictJSONParser.isValidUTF8(bytes) else { throw invalid("not valid UTF-8") }
        do {
            return try StrictJSONParser.parse(bytes)
        } catch {
            throw invalid("\(error.message) at byte \(error.offset)")
        }
    }
}
