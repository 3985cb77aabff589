import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Every output option (`-o`, `--plots`, `--emit-mergekit`, `--store`, `--out`) through the real binary:
/// a symbolic link keeps itself and its target is replaced, a FIFO or device is written through and
/// stays what it was, a directory or a file where a directory belongs is refused (exit 5, one line)
/// before anything is analysed.
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct OutputPathCommandTests {
    static func fileType(_ path: String) -> mode_t {
        var status = stat()
        return lstat(path, &status) == 0 ? status.st_mode & S_IFMT : 0
    }

    /// Waits up to `seconds` for `process` to end, then ends it: a writer that never opens a FIFO (an old
    /// binary renamed over it) fails the test instead of hanging it. True when it ended by itself.
    /// SIGKILL, since a child of the test runner inherits a mask that blocks SIGTERM.
    static func ended(_ process: Process, within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        guard process.isRunning else { return true }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return false
    }

    static func family(_ demo: DemoFamilyRun.Run) -> [String] {
        ["--quiet", "--base", demo.base, "--models", demo.model("alpha"), demo.model("beta")]
    }

    @Test func reportToASymbolicLinkReplacesItsTarget() throws {
        let demo = try DemoFamilyRun.shared.get()
        let directory = try TestPaths.temporaryDirectory()
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("reports"), withIntermediateDirectories: true)
        let target = directory.appendingPathComponent("reports/list.txt")
        try Data("old".utf8).write(to: target)
        let link = directory.appendingPathComponent("link.txt")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "reports/list.txt")
        let run = try CommandRunner.run(["list", demo.base, "-o", link.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Self.fileType(link.path) == S_IFLNK)
        #expect(try String(contentsOf: target, encoding: .utf8).contains("encoder.layer.0.attention.self.query.weight"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("reports").path) == ["list.txt"])
    }

    @Test func reportToAFIFOIsWrittenThrough() throws {
        let demo = try DemoFamilyRun.shared.get()
        let directory = try TestPaths.temporaryDirectory()
        let fifo = directory.appendingPathComponent("report.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        // The reader copies the FIFO into a file (a pipe back to us would fill up while we wait for it).
        let copy = directory.appendingPathComponent("received.json")
        #expect(FileManager.default.createFile(atPath: copy.path, contents: nil))
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/cat")
        reader.arguments = [fifo]
        reader.standardOutput = try FileHandle(forWritingTo: copy)
        try reader.run()
        let run = try CommandRunner.run(["model", "--format", "json", "-o", fifo] + Self.family(demo))
        #expect(Self.ended(reader, within: 30), "nothing was written into the FIFO")
        let received = try Data(contentsOf: copy)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        #expect((try? JSONSerialization.jsonObject(with: received) as? [String: Any])?["command"] as? String == "model")
        #expect(Self.fileType(fifo) == S_IFIFO)
    }

    /// /dev/null is reached through a link in a scratch folder, so that a binary that renames over its
    /// output (as the old one did, as root) replaces the link, not the machine's /dev/null.
    @Test func devNullAndAScratchDeviceNodeStayDevices() throws {
        let demo = try DemoFamilyRun.shared.get()
        let directory = try TestPaths.temporaryDirectory()
        let link = directory.appendingPathComponent("null-link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/dev/null")
        let run = try CommandRunner.run(["mergeable", "-o", link, "--emit-mergekit", link] + Self.family(demo))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Self.fileType(link) == S_IFLNK)
        #expect(Self.fileType("/dev/null") == S_IFCHR)
        try FileManager.default.removeItem(atPath: link)
        // mknod needs CAP_MKNOD (root in CI); skipped cleanly without it or on a nodev mount.
        let node = directory.appendingPathComponent("null-device").path
        guard mknod(node, S_IFCHR | 0o666, dev_t(0x103)) == 0 else { return }
        let probe = open(node, O_WRONLY)
        guard probe >= 0 else { return }
        close(probe)
        let written = try CommandRunner.run(["list", demo.base, "--format", "csv", "-o", node])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(Self.fileType(node) == S_IFCHR)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["null-device"])
    }

    @Test func mergekitConfigsAndFiguresFollowLinks() throws {
        let demo = try DemoFamilyRun.shared.get()
        let directory = try TestPaths.temporaryDirectory()
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("real-figures"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("figures").path, withDestinationPath: "real-figures")
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("merge.yml").path, withDestinationPath: "configs-merge.yml")
        let mergeable = try CommandRunner.run(["mergeable", "--emit-mergekit", directory.appendingPathComponent("merge.yml").path] + Self.family(demo))
        #expect(mergeable.status == 0, "\(mergeable.stderr)")
        #expect(Self.fileType(directory.appendingPathComponent("merge.yml").path) == S_IFLNK)
        #expect(try String(contentsOf: directory.appendingPathComponent("configs-merge.yml"), encoding: .utf8).contains("task_arithmetic"))
        let layer = try CommandRunner.run(["layer", "--base", demo.base, "--models", demo.model("alpha"), "--layer", "layer.0.attention.self.query", "--plots", directory.appendingPathComponent("figures").path, "-o", directory.appendingPathComponent("layer.txt").path])
        #expect(layer.status == 0, "\(layer.stderr)")
        #expect(Self.fileType(directory.appendingPathComponent("figures").path) == S_IFLNK)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("real-figures").path).contains { $0.hasSuffix(".png") })
    }

    /// A directory given as a file, and a file given as a directory, for every output option: exit 5,
    /// one line naming the path once, nothing printed on standard output (refused before the analysis),
    /// and the directory or file untouched.
    @Test func whatIsNotOursIsRefusedBeforeAnalysis() throws {
        let demo = try DemoFamilyRun.shared.get()
        let directory = try TestPaths.temporaryDirectory()
        let file = directory.appendingPathComponent("precious.txt")
        try Data("precious".utf8).write(to: file)
        let cases: [[String]] = [
            ["list", demo.base, "-o", directory.path],
            ["model", "-o", directory.path] + Self.family(demo),
            ["model", "--plots", file.path] + Self.family(demo),
            ["model", "--store", file.path] + Self.family(demo),
            ["mergeable", "--emit-mergekit", directory.path] + Self.family(demo),
            ["upscale", "--out", file.path, "--force"] + Self.family(demo),
            ["upscale", "--out", directory.path] + Self.family(demo),
            ["demo", "--out", file.path],
        ]
        for arguments in cases {
            let run = try CommandRunner.run(arguments)
            let path = arguments.contains(file.path) ? file.path : directory.path
            #expect(run.status == 5, "\(arguments): \(run.stderr)")
            #expect(run.stdout.isEmpty, "\(arguments)")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(arguments): \(run.stderr)")
            #expect(run.stderr.components(separatedBy: path).count == 2, "\(arguments): the path once: \(run.stderr)")
        }
        #expect(try String(contentsOf: file, encoding: .utf8) == "precious")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["precious.txt"])
    }
}
