import Foundation
import Testing

/// Standard output through the real binary: it carries exactly the chosen format for every command
/// (json parses, csv rows have the header's column count, nothing else before or after), nothing at all
/// with -o, and a failure to write it is an output error (exit 5, one line), while a reader that stops
/// early (`… | head -1`) ends the run quietly.
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct StandardOutputCommandTests {
    /// The demo family: base, two full fine-tunes and a LoRA adapter, and a store of it.
    struct Fixture {
        var demo: DemoFamilyRun.Run
        var store: String
        var family: [String] { ["--base", demo.base, "--models", demo.model("alpha"), demo.model("beta"), demo.model("gamma")] }
        var scratch: URL

        /// Every reporting command, as arguments before `--format`, with a fresh output for `upscale`.
        func commands() -> [(name: String, arguments: [String])] {
            [
                ("list", ["list", demo.base]),
                ("list adapter", ["list", demo.model("beta")]),
                ("model", ["model", "--quiet"] + family),
                ("model --store", ["model", "--store", store]),
                ("layer", ["layer", "--base", demo.base, "--models", demo.model("alpha"), demo.model("beta"), "--layer", "layer.1.output.dense"]),
                ("mergeable --plan", ["mergeable", "--plan"] + family),
                ("report", ["report", "--store", store]),
                ("upscale --budget", ["upscale", "--budget", "0.3", "--probe-samples", "2", "--out", scratch.appendingPathComponent(UUID().uuidString).path] + family),
            ]
        }
    }

    static let fixture: Result<Fixture, Error> = Result {
        let demo = try DemoFamilyRun.shared.get()
        let scratch = try TestPaths.temporaryDirectory()
        let store = scratch.appendingPathComponent("store").path
        let family = ["--base", demo.base, "--models", demo.model("alpha"), demo.model("beta"), demo.model("gamma")]
        let stored = try CommandRunner.run(["model", "--quiet", "--store", store, "-o", scratch.appendingPathComponent("model.txt").path] + family)
        guard stored.status == 0 else { throw CommandRunner.RunnerError.binaryNotBuilt }
        return Fixture(demo: demo, store: store, scratch: scratch)
    }

    /// The records of a CSV document (RFC 4180: quoted fields may hold commas, quotes and newlines).
    static func csvRecords(_ text: String) -> [[String]] {
        var records = [[String]](), record = [String](), field = "", quoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
                } else { field.append(character) }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                record.append(field); field = ""
            } else if character == "\n" {
                record.append(field); records.append(record); record = []; field = ""
            } else {
                field.append(character)
            }
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }

    /// Checks that `stdout` is one document of `format` and nothing else.
    static func expectOnly(_ format: String, _ stdout: String, _ label: String) {
        #expect(!stdout.isEmpty, "\(label): empty")
        switch format {
        case "json":
            let object = try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
            #expect(object?["schemaVersion"] as? Int != nil, "\(label): not one JSON document: \(stdout.prefix(200))")
        case "csv":
            let records = Self.csvRecords(stdout)
            #expect(records.count >= 2, "\(label): \(stdout.prefix(200))")
            let columns = records.first?.count ?? 0
            #expect(columns >= 2 && records.allSatisfy { $0.count == columns }, "\(label): column counts \(Set(records.map(\.count))) in \(stdout.prefix(300))")
            #expect(records.first?.allSatisfy { !$0.isEmpty && !$0.contains(" ") } == true, "\(label): the first line is not a header: \(records.first ?? [])")
        case "markdown":
            #expect(!stdout.hasPrefix("Plan for"), "\(label): the plan came first: \(stdout.prefix(200))")
            #expect(["|---", "|:---", "| ---"].contains { stdout.contains($0) }, "\(label): no markdown table")
        default:
            #expect(!stdout.contains("\u{1B}"), "\(label): terminal escapes on standard output")
        }
    }

    @Test(arguments: ["text", "markdown", "json", "csv"])
    func standardOutputCarriesExactlyTheFormat(_ format: String) throws {
        let fixture = try Self.fixture.get()
        for (name, arguments) in fixture.commands() {
            let run = try CommandRunner.run(arguments + ["--format", format])
            #expect([0, 1, 2].contains(run.status), "\(name) --format \(format): \(run.stderr)")
            Self.expectOnly(format, run.stdout, "\(name) --format \(format)")
        }
    }

    /// `upscale --budget` prints its plan: above a text report on standard output, on standard error
    /// beside a json report (it used to come first on standard output, so the JSON did not parse).
    @Test func theBudgetPlanGoesWhereHumansRead() throws {
        let fixture = try Self.fixture.get()
        let upscale = fixture.commands().first { $0.name == "upscale --budget" }!.arguments
        let text = try CommandRunner.run(upscale + ["--quiet"])
        #expect(text.status == 0 && text.stdout.hasPrefix("Plan for --budget 0.3"), "\(text.stdout.prefix(200))")
        for extra in [["--format", "json"], ["--format", "json", "--quiet"], ["--json"]] {
            let run = try CommandRunner.run(fixture.commands().first { $0.name == "upscale --budget" }!.arguments + extra)
            #expect(run.status == 0, "\(run.stderr)")
            Self.expectOnly("json", run.stdout, "upscale \(extra)")
            #expect(run.stderr.contains("Plan for --budget 0.3"))
        }
    }

    @Test func withOutputFileStandardOutputIsEmpty() throws {
        let fixture = try Self.fixture.get()
        for format in ["text", "json"] {
            for (name, arguments) in fixture.commands() {
                let file = fixture.scratch.appendingPathComponent("\(UUID().uuidString).out")
                let run = try CommandRunner.run(arguments + ["--format", format, "-o", file.path])
                #expect([0, 1, 2].contains(run.status), "\(name) -o: \(run.stderr)")
                #expect(run.stdout.isEmpty, "\(name) --format \(format) -o: \(run.stdout.prefix(200))")
                Self.expectOnly(format, try String(contentsOf: file, encoding: .utf8), "\(name) --format \(format) -o file")
            }
        }
    }

    /// `> /dev/full` used to die in Foundation's `try!` (exit 132, a backtrace).
    @Test func aFullStandardOutputIsAnOutputError() throws {
        let fixture = try Self.fixture.get()
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        for (name, arguments) in fixture.commands() + [("demo", ["demo", "--out", fixture.scratch.appendingPathComponent("demo-\(UUID().uuidString)").path])] {
            let run = try CommandRunner.run(arguments, standardOutput: full)
            #expect(run.status == 5, "\(name): \(run.status) \(run.stderr)")
            let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
            #expect(errors == ["error: standard output: cannot write: No space left on device"], "\(name): \(run.stderr)")
            #expect(!run.stderr.contains("Fatal error"), "\(name)")
        }
    }

    /// A closed standard output (`>&-`): exit 5 and one line, not a crash.
    @Test func aClosedStandardOutputIsAnOutputError() throws {
        let executable = try #require(CommandRunner.executable)
        let demo = try DemoFamilyRun.shared.get()
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "exec \"$0\" list \"$1\" >&-", executable.path, demo.base]
        let err = Pipe()
        shell.standardError = err
        try shell.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        #expect(shell.terminationStatus == 5, "\(stderr)")
        #expect(stderr == "error: standard output: cannot write: Bad file descriptor\n")
    }

    /// A reader that stops early (`… | head -1`): the run ends by SIGPIPE, silently, as any Unix tool,
    /// also when the parent left SIGPIPE ignored (`trap '' PIPE`, inherited across exec), where the old
    /// binary died in Foundation's `try!` on EPIPE.
    @Test(arguments: ["", "trap '' PIPE; "])
    func aReaderThatStopsEarlyEndsTheRunQuietly(_ prelude: String) throws {
        let executable = try #require(CommandRunner.executable)
        let fixture = try Self.fixture.get()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", prelude + "exec \"$0\" \"$@\"", executable.path, "model", "--quiet", "--format", "json"] + fixture.family
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        _ = out.fileHandleForReading.readData(ofLength: 1)
        try out.fileHandleForReading.close()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(stderr.isEmpty, "\(prelude): \(stderr)")
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGPIPE, "\(prelude): \(process.terminationStatus)")
    }
}
