import Foundation

/// One `smile-inspect demo` run shared by the CLI tests: its output folder and the family it wrote.
enum DemoFamilyRun {
    struct Run: Sendable {
        var directory: URL
        var result: CommandRunner.Result
        var base: String { directory.appendingPathComponent("models/base").path }
        func model(_ name: String) -> String { directory.appendingPathComponent("models/\(name)").path }
    }

    /// The demo, run once into a fresh temporary folder.
    static let shared: Result<Run, Error> = Result {
        let directory = try TestPaths.temporaryDirectory().appendingPathComponent("demo")
        let result = try CommandRunner.run(["demo", "--out", directory.path])
        return Run(directory: directory, result: result)
    }
}
