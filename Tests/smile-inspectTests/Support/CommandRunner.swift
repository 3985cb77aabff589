import Foundation
import TestSupport

/// Runs the real `smile-inspect` binary built next to the test bundle and captures its output.
enum CommandRunner {
    /// What one run produced.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The built executable: `smile-inspect` in the directory of the running test binary.
    static let executable: URL? = {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("smile-inspect")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }()

    /// Runs `smile-inspect arguments…` to completion; `environment` entries are added to this process's.
    /// `standardOutput` replaces the captured pipe (e.g. a handle on `/dev/full`); stdout is then "".
    static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:], standardOutput: FileHandle? = nil) throws -> Result {
        guard let executable else { throw RunnerError.binaryNotBuilt }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        process.standardOutput = standardOutput ?? out
        process.standardError = err
        try process.run()
        let stdout = standardOutput == nil ? out.fileHandleForReading.readDataToEndOfFile() : Data()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    enum RunnerError: Error { case binaryNotBuilt }
}

/// Paths the CLI tests use.
enum TestPaths {
    /// The repository root, from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The real MiniLM family beside the repository (`SMILE_MINILM_DIR` overrides), or nil.
    static var miniLM: URL? {
        let candidate = ProcessInfo.processInfo.environment["SMILE_MINILM_DIR"].map { URL(fileURLWithPath: $0) }
            ?? repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/models/minilm-l6")
        return FileManager.default.fileExists(atPath: candidate.appendingPathComponent("base/model.safetensors").path) ? candidate : nil
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        try ScratchDirectory.make("smile-inspect-cli")
    }
}
