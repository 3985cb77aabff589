import Foundation
import TestSupport
import Testing
@testable import Analysis
#if canImport(Glibc)
import Glibc
#endif

/// ``OutputPath`` and ``AtomicFile``: what an output path is decides how it is written, and nothing that
/// is not ours (a device node, a FIFO, a symbolic link, a directory) is ever renamed over.
struct OutputPathTests {
    static func temporaryDirectory() throws -> URL {
        try ScratchDirectory.make("output-path")
    }

    /// The file type bits of `path` without following a final link.
    static func fileType(_ path: String) -> mode_t {
        var status = stat()
        return lstat(path, &status) == 0 ? status.st_mode & S_IFMT : 0
    }

    @Test func aSymbolicLinkKeepsItselfAndItsTargetIsReplaced() throws {
        let directory = try Self.temporaryDirectory()
        let target = directory.appendingPathComponent("target.txt")
        try Data("old".utf8).write(to: target)
        let link = directory.appendingPathComponent("link.txt")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "target.txt")
        try AtomicFile.write(data: Data("new".utf8), to: link)
        #expect(Self.fileType(link.path) == S_IFLNK)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "target.txt")
        #expect(try String(contentsOf: target, encoding: .utf8) == "new")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["link.txt", "target.txt"])
    }

    @Test func aDanglingLinkChainCreatesTheFinalTarget() throws {
        let directory = try Self.temporaryDirectory()
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("sub"), withIntermediateDirectories: true)
        let first = directory.appendingPathComponent("first.txt")
        try FileManager.default.createSymbolicLink(atPath: first.path, withDestinationPath: "sub/second.txt")
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("sub/second.txt").path, withDestinationPath: "../final.txt")
        #expect(try OutputPath.destination(of: first.path) == .replaced(path: directory.appendingPathComponent("sub/../final.txt").path))
        try AtomicFile.write(data: Data("made".utf8), to: first)
        #expect(Self.fileType(first.path) == S_IFLNK)
        #expect(try String(contentsOf: directory.appendingPathComponent("final.txt"), encoding: .utf8) == "made")
    }

    @Test func aFIFOIsWrittenThrough() throws {
        let directory = try Self.temporaryDirectory()
        let fifo = directory.appendingPathComponent("pipe").path
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(try OutputPath.destination(of: fifo) == .writtenThrough)
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/cat")
        reader.arguments = [fifo]
        let captured = Pipe()
        reader.standardOutput = captured
        try reader.run()
        try AtomicFile.write(data: Data("through the pipe".utf8), to: URL(fileURLWithPath: fifo))
        // Bounded: had the FIFO been renamed over, cat would wait for a writer forever.
        let deadline = Date().addingTimeInterval(30)
        while reader.isRunning, Date() < deadline { usleep(20_000) }
        if reader.isRunning { kill(reader.processIdentifier, SIGKILL) } // the runner's children block SIGTERM
        reader.waitUntilExit()
        let received = captured.fileHandleForReading.readDataToEndOfFile()
        #expect(String(decoding: received, as: UTF8.self) == "through the pipe")
        #expect(Self.fileType(fifo) == S_IFIFO)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["pipe"])
    }

    /// A Unix socket cannot be opened, so it is connected to (a listener's backlog takes the connection,
    /// so one thread can write and then accept).
    @Test func aUnixSocketIsWrittenThrough() throws {
        let directory = try Self.temporaryDirectory()
        let path = directory.appendingPathComponent("report.sock").path
        let server = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(server >= 0)
        defer { close(server) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0 && listen(server, 1) == 0)
        #expect(try OutputPath.destination(of: path) == .writtenThrough)
        try AtomicFile.write(data: Data("over the socket".utf8), to: URL(fileURLWithPath: path))
        let client = accept(server, nil, nil)
        #expect(client >= 0)
        defer { close(client) }
        var received = [UInt8](), buffer = [UInt8](repeating: 0, count: 256)
        while case let count = read(client, &buffer, buffer.count), count > 0 { received += buffer[0..<count] }
        #expect(String(decoding: received, as: UTF8.self) == "over the socket")
        #expect(Self.fileType(path) == S_IFSOCK)
    }

    @Test func devNullAndOurOwnDescriptorsAreWrittenThrough() throws {
        #expect(try OutputPath.destination(of: "/dev/stdout") == .writtenThrough)
        #expect(try OutputPath.destination(of: "/proc/self/fd/2") == .writtenThrough)
        // Written only once classified as written through: a regression must not replace the machine's /dev/null.
        guard try OutputPath.destination(of: "/dev/null") == .writtenThrough else {
            Issue.record("/dev/null would be renamed over")
            return
        }
        try AtomicFile.write(data: Data("discarded".utf8), to: URL(fileURLWithPath: "/dev/null"))
        #expect(Self.fileType("/dev/null") == S_IFCHR)
    }

    /// A scratch character device (the null device's numbers, 1:3) made with mknod; skipped where the
    /// process may not make device nodes (no CAP_MKNOD).
    @Test func aDeviceNodeIsWrittenThroughNeverReplaced() throws {
        let directory = try Self.temporaryDirectory()
        let node = directory.appendingPathComponent("null-device").path
        guard mknod(node, S_IFCHR | 0o666, dev_t(0x103)) == 0 else { return }
        let probe = open(node, O_WRONLY)
        guard probe >= 0 else { return } // a nodev mount: the node cannot be opened at all
        close(probe)
        #expect(try OutputPath.destination(of: node) == .writtenThrough)
        try AtomicFile.write(data: Data(repeating: 7, count: 100_000), to: URL(fileURLWithPath: node))
        #expect(Self.fileType(node) == S_IFCHR)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["null-device"])
    }

    @Test func aDirectoryIsRefusedAndLeftAlone() throws {
        let directory = try Self.temporaryDirectory()
        try Data("keep".utf8).write(to: directory.appendingPathComponent("inside.txt"))
        #expect(throws: CheckpointError.unwritable(file: directory.path, reason: "it is a directory")) {
            try AtomicFile.write(data: Data("x".utf8), to: directory)
        }
        #expect(throws: CheckpointError.unwritable(file: directory.path, reason: "it is a directory")) { try OutputPath.checkFile(directory.path) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["inside.txt"])
    }

    @Test func checksAnswerBeforeAnythingIsWritten() throws {
        let directory = try Self.temporaryDirectory()
        let file = directory.appendingPathComponent("file.txt")
        try Data("x".utf8).write(to: file)
        try OutputPath.checkFile(directory.appendingPathComponent("new.txt").path)
        try OutputPath.checkDirectory(directory.appendingPathComponent("new/deeper").path)
        #expect(throws: CheckpointError.unwritable(file: "/nonexistent-dir/x.txt", reason: "the directory /nonexistent-dir does not exist")) {
            try OutputPath.checkFile("/nonexistent-dir/x.txt")
        }
        #expect(throws: CheckpointError.unwritable(file: file.path, reason: "it exists and is not a directory")) { try OutputPath.checkDirectory(file.path) }
        let below = file.appendingPathComponent("figs").path
        #expect(throws: CheckpointError.unwritable(file: below, reason: "\(file.path) is a file, not a directory")) { try OutputPath.checkDirectory(below) }
        #expect(throws: CheckpointError.self) { try OutputPath.checkDirectory("/proc/smile-inspect-figures") }
        #expect(throws: CheckpointError.self) { try OutputPath.checkFile("/proc/smile-inspect-report.txt") }
        // The probes leave nothing behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["file.txt"])
    }

    @Test func createDirectoryNamesWhatStoodInTheWay() throws {
        let directory = try Self.temporaryDirectory()
        try OutputPath.createDirectory(directory.appendingPathComponent("a/b/c").path)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("a/b/c").path))
        try OutputPath.createDirectory(directory.appendingPathComponent("a/b/c").path)
        let file = directory.appendingPathComponent("a/file")
        try Data().write(to: file)
        let target = file.appendingPathComponent("d").path
        #expect(throws: CheckpointError.unwritable(file: target, reason: "\(file.path) is a file, not a directory")) { try OutputPath.createDirectory(target) }
        #expect(throws: CheckpointError.unwritable(file: "/proc/smile-x", reason: "cannot create the directory: No such file or directory")) {
            try OutputPath.createDirectory("/proc/smile-x")
        }
    }
}
