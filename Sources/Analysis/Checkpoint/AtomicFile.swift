import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files atomically: readers see either the old file or the complete new one, never a partial
/// write, even across a crash or power loss.
///
/// Protocol: write a temporary file in the destination's directory (same file system, so the rename is
/// atomic), `fsync` it, `rename` it over the destination, then `fsync` the directory so the rename itself
/// is durable. On any error the temporary file is removed and the destination is left untouched. The
/// temporary name is `.<name>.tmp-<UUID>` (hidden, unique). New files get mode 0666 minus the umask.
public enum AtomicFile {
    /// Writes `data` to `url` atomically. Throws ``CheckpointError/unwritable(file:reason:)``.
    public static func write(data: Data, to url: URL) throws {
        try write(to: url) { sink in
            try data.withUnsafeBytes { try sink.write($0) }
        }
    }

    /// Streams a file to `url` atomically: `body` writes it chunk by chunk through the ``Sink``, so a
    /// large file never has to be in memory at once. An error thrown by `body` aborts the write (the
    /// temporary file is removed) and is rethrown unchanged.
    public static func write(to url: URL, _ body: (Sink) throws -> Void) throws {
        let path = url.relativePath
        let directory = url.deletingLastPathComponent().relativePath
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)").relativePath
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw CheckpointError.unwritable(file: path, reason: ReadOnlyFile.lastSystemError()) }
        do {
            try body(Sink(descriptor: descriptor, path: path))
            guard fsync(descriptor) == 0 else { throw CheckpointError.unwritable(file: path, reason: ReadOnlyFile.lastSystemError()) }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let reason = ReadOnlyFile.lastSystemError()
            unlink(temporary)
            throw CheckpointError.unwritable(file: path, reason: reason)
        }
        try syncDirectory(directory.isEmpty ? "." : directory, file: path)
    }

    /// `fsync` on a directory makes a rename inside it durable.
    private static func syncDirectory(_ directory: String, file: String) throws {
        let descriptor = open(directory, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw CheckpointError.unwritable(file: file, reason: "cannot open its directory: \(ReadOnlyFile.lastSystemError())") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw CheckpointError.unwritable(file: file, reason: "cannot sync its directory: \(ReadOnlyFile.lastSystemError())")
        }
    }

    /// The open temporary file during ``AtomicFile/write(to:_:)``; valid only inside the closure.
    public struct Sink {
        fileprivate let descriptor: Int32
        fileprivate let path: String

        /// Appends `bytes` (all of them, retrying short writes). Throws ``CheckpointError/unwritable(file:reason:)``.
        public func write(_ bytes: UnsafeRawBufferPointer) throws {
            var written = 0
            while written < bytes.count {
                let result = systemWrite(descriptor, bytes.baseAddress! + written, bytes.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw CheckpointError.unwritable(file: path, reason: ReadOnlyFile.lastSystemError())
                }
                written += result
            }
        }

        /// Appends `bytes`.
        public func write(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { try write($0) }
        }

        /// Appends `text` as UTF-8.
        public func write(_ text: String) throws {
            try write(Array(text.utf8))
        }
    }
}

/// The C `write`, reachable from inside ``AtomicFile/Sink``, whose own `write` methods shadow it.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
