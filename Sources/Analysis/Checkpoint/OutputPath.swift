import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where an output path leads, and the checks every output (`-o`, `--plots`, `--out`, `--emit-mergekit`,
/// `--store`) makes before any analysis runs, so that nothing that is not ours is ever destroyed.
///
/// Rule, by what the path is when written:
/// - a regular file or a new name: replaced atomically (``AtomicFile``: temporary file + rename);
/// - a symbolic link: resolved (every hop, dangling or not), and its target replaced atomically; the
///   link itself is kept;
/// - a character device, FIFO or socket (`/dev/null`, a pipe, a terminal), and the names of the process's
///   own descriptors (`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`): opened and written
///   through, never renamed over, never truncated;
/// - a directory, a block device: refused.
///
/// Every failure is ``CheckpointError/unwritable(file:reason:)`` naming the path as given, once.
public enum OutputPath {
    /// How a file output is written.
    enum Destination: Equatable {
        /// Write a temporary file beside `path` and rename it over `path` (links already resolved).
        case replaced(path: String)
        /// Open the given path and write to it, without creating, truncating or renaming anything.
        case writtenThrough
    }

    /// What writing to `path` means now. Throws for a directory, a block device or a link loop.
    static func destination(of path: String) throws -> Destination {
        if descriptorNamed(path) != nil { return .writtenThrough }
        var status = stat()
        if stat(path, &status) == 0 {
            switch status.st_mode & S_IFMT {
            case S_IFREG:
                guard let resolved = realpath(path, nil) else { throw unwritable(path, systemError()) }
                defer { free(resolved) }
                return .replaced(path: String(cString: resolved))
            case S_IFDIR: throw unwritable(path, "it is a directory")
            case S_IFCHR, S_IFIFO, S_IFSOCK: return .writtenThrough
            default: throw unwritable(path, "it is a block device or another special file; refusing to write over it")
            }
        }
        guard errno == ENOENT else { throw unwritable(path, systemError()) }
        // A new name, or a symbolic link to one: follow the links to the name that will be created.
        var current = path
        for _ in 0..<40 {
            guard let target = symbolicLinkTarget(current) else { return .replaced(path: current) }
            current = target.hasPrefix("/") ? target : parent(of: current) + "/" + target
        }
        throw unwritable(path, "too many levels of symbolic links")
    }

    /// Checks, before any analysis, that a file can be written at `path`: not a directory, and for a
    /// file that is replaced, a directory that exists and accepts new files (probed by creating and
    /// removing a hidden file in it). Throws ``CheckpointError/unwritable(file:reason:)``.
    public static func checkFile(_ path: String) throws {
        switch try destination(of: path) {
        case .writtenThrough:
            if descriptorNamed(path) == nil, access(path, W_OK) != 0 { throw unwritable(path, systemError()) }
        case let .replaced(target):
            let directory = parent(of: target)
            var status = stat()
            guard stat(directory, &status) == 0 else { throw unwritable(path, "the directory \(directory) does not exist") }
            guard status.st_mode & S_IFMT == S_IFDIR else { throw unwritable(path, "\(directory) is not a directory") }
            try probe(directory, for: path)
        }
    }

    /// Checks, before any analysis, that a directory output can be written at `path`: an existing
    /// directory that accepts new files, or a new one whose nearest existing ancestor is a directory
    /// that does. Throws ``CheckpointError/unwritable(file:reason:)``.
    public static func checkDirectory(_ path: String) throws {
        var status = stat()
        if stat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else { throw unwritable(path, "it exists and is not a directory") }
            try probe(path, for: path)
            return
        }
        guard errno == ENOENT || errno == ENOTDIR else { throw unwritable(path, systemError()) }
        var ancestor = parent(of: path)
        while stat(ancestor, &status) != 0 {
            guard errno == ENOENT || errno == ENOTDIR, ancestor != "/", ancestor != "." else { throw unwritable(path, "cannot reach \(ancestor): \(systemError())") }
            ancestor = parent(of: ancestor)
        }
        guard status.st_mode & S_IFMT == S_IFDIR else { throw unwritable(path, "\(ancestor) is a file, not a directory") }
        try probe(ancestor, for: path)
    }

    /// Creates the directory `path` and its missing parents (`mkdir -p`). Throws
    /// ``CheckpointError/unwritable(file:reason:)`` naming what could not be created and why.
    public static func createDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + component
            if mkdir(prefix, 0o777) == 0 { continue }
            let error = errno
            var status = stat()
            if error == EEXIST, stat(prefix, &status) == 0 {
                guard status.st_mode & S_IFMT == S_IFDIR else { throw unwritable(path, "\(display(prefix)) is a file, not a directory") }
                continue
            }
            throw unwritable(path, "cannot create \(display(prefix) == path ? "the directory" : display(prefix)): \(String(cString: strerror(error)))")
        }
    }

    /// Opens a written-through destination for writing: a descriptor name is duplicated; anything else
    /// is opened without `O_CREAT` or `O_TRUNC`, and a socket that cannot be opened is connected to.
    static func openThrough(_ path: String) throws -> Int32 {
        if let own = descriptorNamed(path) {
            let descriptor = dup(own)
            guard descriptor >= 0 else { throw unwritable(path, systemError()) }
            return descriptor
        }
        let descriptor = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY)
        if descriptor >= 0 { return descriptor }
        let error = errno
        if error == ENXIO, let socket = connectedSocket(path) { return socket }
        throw unwritable(path, String(cString: strerror(error)))
    }

    /// The descriptor a path names when it is one of this process's own (`/dev/stdout`, `/dev/stderr`,
    /// `/dev/fd/N`, `/proc/self/fd/N`), else nil.
    static func descriptorNamed(_ path: String) -> Int32? {
        switch path {
        case "/dev/stdout": return STDOUT_FILENO
        case "/dev/stderr": return STDERR_FILENO
        default:
            for prefix in ["/dev/fd/", "/proc/self/fd/"] where path.hasPrefix(prefix) {
                return Int32(path.dropFirst(prefix.count))
            }
            return nil
        }
    }

    /// A stream socket connected to the Unix socket at `path`, or nil.
    private static func connectedSocket(_ path: String) -> Int32? {
        var address = sockaddr_un()
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        #if canImport(Glibc)
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { return nil }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            return nil
        }
        return descriptor
    }

    /// Creates and removes a hidden file in `directory`: the one test that a new file can be made there
    /// (permissions, read-only mounts, `/proc`, a full inode table all answer it).
    private static func probe(_ directory: String, for path: String) throws {
        let name = (directory.hasSuffix("/") ? directory : directory + "/") + ".smile-inspect-probe-\(UUID().uuidString)"
        let descriptor = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw unwritable(path, "cannot create a file in \(directory): \(systemError())") }
        close(descriptor)
        unlink(name)
    }

    /// The target of the symbolic link at `path`, or nil when `path` is not one.
    private static func symbolicLinkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The directory part of `path`: "a/b" → "a", "b" → ".", "/b" → "/".
    static func parent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// A path built by ``createDirectory(_:)`` as the user would write it ("./a" → "a").
    private static func display(_ path: String) -> String { path.hasPrefix("./") ? String(path.dropFirst(2)) : path }

    private static func unwritable(_ path: String, _ reason: String) -> CheckpointError { .unwritable(file: path, reason: reason) }

    private static func systemError() -> String { String(cString: strerror(errno)) }
}
