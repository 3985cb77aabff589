import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes output files without ever destroying what is not ours (the rule of ``OutputPath``).
///
/// A regular file or a new name (a symbolic link is first resolved to its target) is written atomically:
/// readers see either the old file or the complete new one, never a partial write, even across a crash
/// or power loss. Protocol: write a temporary file in the destination's directory (same file system, so
/// the rename is atomic), `fsync` it, `rename` it over the destination, then `fsync` the directory so the
/// rename itself is durable. On any error the temporary file is removed and the destination is left
/// untouched. The temporary name is `.<name>.tmp-<UUID>` (hidden, unique). New files get mode 0666 minus
/// the umask.
///
/// A character device, FIFO or socket (`/dev/null`, a pipe, `/dev/stdout`) is opened and written
/// through instead: never renamed over, created or truncated. A directory is refused.
public enum AtomicFile {
    /// Writes `data` to `url`. Throws ``CheckpointError/unwritable(file:reason:)``.
    public static func write(data: Data, to url: URL) throws {
        try write(to: url) { sink in
            try data.withUnsafeBytes { try sink.write($0) }
        }
    }

    /// Streams a file to `url`: `body` writes it chunk by chunk through the ``Sink``, so a large file
    /// never has to be in memory at once. An error thrown by `body` aborts the write (an atomic write's
    /// temporary file is removed) and is rethrown unchanged. Errors name `url` as given.
    public static func write(to url: URL, _ body: (Sink) throws -> Void) throws {
        let path = url.relativePath
        switch try OutputPath.destination(of: path) {
        case .writtenThrough:
            let descriptor = try OutputPath.openThrough(path)
            defer { close(descriptor) }
            try body(Sink(descriptor: descriptor, path: path))
        case let .replaced(target):
            try replace(target, named: path, body)
        }
    }

    /// The atomic protocol for the regular file (or new name) `target`; messages name `path`.
    private static func replace(_ target: String, named path: String, _ body: (Sink) throws -> Void) throws {
        let directory = OutputPath.parent(of: target)
        let name = target.split(separator: "/").last.map(String.init) ?? target
        let temporary = (directory == "/" ? "/" : directory + "/") + ".\(name).tmp-\(UUID().uuidString)"
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
        guard rename(temporary, target) == 0 else {
            let reason = ReadOnlyFile.lastSystemError()
            unlink(temporary)
            throw CheckpointError.unwritable(file: path, reason: reason)
        }
        try syncDirectory(directory, file: path)
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

    /// The open destination during ``AtomicFile/write(to:_:)`` (valid only inside the closure), or one
    /// of the process's standard streams.
    public struct Sink: Sendable {
        fileprivate let descriptor: Int32
        fileprivate let path: String

        /// Standard output; errors name it "standard output".
        public static let standardOutput = Sink(descriptor: STDOUT_FILENO, path: "standard output")
        /// Standard error; errors name it "standard error".
        public static let standardError = Sink(descriptor: STDERR_FILENO, path: "standard error")

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
