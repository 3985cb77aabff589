#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open regular file read with positioned reads (`pread`), which are safe to issue from several
/// threads at once because they do not move a shared file offset.
///
/// Not `mmap`: a mapping of a file that is truncated while mapped raises SIGBUS on access, which no
/// Swift error handling can catch. Instead every read re-checks the current size with `fstat` and a short
/// read is reported as truncation, so a file shrunk under us gives an error, never a crash.
final class ReadOnlyFile: Sendable {
    /// The path as given, for messages.
    let path: String
    private let descriptor: Int32

    /// Opens `path`, which must be a regular file.
    init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw CheckpointError.unreadable(file: path, reason: ReadOnlyFile.lastSystemError()) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw CheckpointError.unreadable(file: path, reason: "not a regular file")
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The file's current size in bytes.
    func size() throws -> Int {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw CheckpointError.unreadable(file: path, reason: ReadOnlyFile.lastSystemError()) }
        return Int(status.st_size)
    }

    /// Exactly `count` bytes from `offset`. Throws ``CheckpointError/truncated(file:tensor:needed:fileSize:)``
    /// (naming `tensor`, nil for the header) when the file ends first, whether it was already short or
    /// shrank during the read.
    func read(count: Int, at offset: Int, tensor: String?) throws -> [UInt8] {
        let fileSize = try size()
        guard offset + count <= fileSize else {
            throw CheckpointError.truncated(file: path, tensor: tensor, needed: offset + count, fileSize: fileSize)
        }
        guard count > 0 else { return [] }
        return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            while initialized < count {
                let result = pread(descriptor, buffer.baseAddress! + initialized, count - initialized, off_t(offset + initialized))
                if result < 0 {
                    if errno == EINTR { continue }
                    throw CheckpointError.unreadable(file: path, reason: ReadOnlyFile.lastSystemError())
                }
                if result == 0 {
                    throw CheckpointError.truncated(file: path, tensor: tensor, needed: offset + count, fileSize: offset + initialized)
                }
                initialized += result
            }
        }
    }

    /// The whole content of the regular file at `path`, at most `limit` bytes. Throws
    /// ``CheckpointError/unreadable(file:reason:)`` with the system's reason, or naming the limit.
    static func contents(of path: String, limit: Int) throws -> [UInt8] {
        let file = try ReadOnlyFile(path: path)
        let size = try file.size()
        guard size <= limit else { throw CheckpointError.unreadable(file: path, reason: "\(size) bytes is larger than the \(limit)-byte limit") }
        return try file.read(count: size, at: 0, tensor: nil)
    }

    /// The message for the current `errno`, e.g. `No such file or directory`.
    static func lastSystemError() -> String { String(cString: strerror(errno)) }
}
