import Analysis
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension Hardening {
    /// Three shards of `model --store` as three concurrent processes on the real MiniLM family (layer 0,
    /// three full fine-tunes); one is killed with SIGKILL after its first record, the store stays readable
    /// (exit 6 naming the missing tensors), the rerun of the killed shard reuses every record it had
    /// written and computes the rest, and the combined report is the single-process JSON byte for byte
    /// (apart from its `performance` timings).
    @Suite(.enabled(if: CommandRunner.executable != nil && TestPaths.miniLM != nil, "needs the binary and ../shared/models/minilm-l6"))
    struct KilledShardTests {
        static let selection = ["--include", "layer\\.0\\.", "--jobs", "1", "--quiet"]

        static func family() -> (base: String, models: [String]) {
            let root = TestPaths.miniLM!
            return (root.appendingPathComponent("base").path, ["full-codelang", "full-mansec", "full-pyeco"].map { root.appendingPathComponent($0).path })
        }

        static func shardArguments(_ index: Int, store: URL) -> [String] {
            let (base, models) = family()
            return ["model", "--base", base, "--models"] + models + selection + ["--store", store.path, "--shard", "\(index)/3"]
        }

        /// The record files of shard 1's tensors that exist now, with their bytes.
        static func records(of names: [String], in store: URL) throws -> [String: Data] {
            var found = [String: Data]()
            let directory = store.appendingPathComponent("records")
            let files = Set((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            for name in names {
                let file = name.replacingOccurrences(of: "/", with: "%2F") + ".json"
                if files.contains(file) { found[name] = try Data(contentsOf: directory.appendingPathComponent(file)) }
            }
            return found
        }

        @Test func killedShardResumesAndTheCombinedReportIsTheSingleRun() throws {
            let store = try TestPaths.temporaryDirectory().appendingPathComponent("store")
            let (base, models) = Self.family()
            // Which tensors shard 1 owns: the plan every process computes.
            var analyzer = FamilyAnalyzer(include: "layer\\.0\\.")
            analyzer.shard = try Shard(index: 1, count: 3)
            let family = try ModelFamily.open(base: base, models: models)
            let selected = try analyzer.selection(of: family)
            let plan = ShardPlan.assignment(costs: selected.map { ShardPlan.cost(shape: $0.shape, isLinearWeight: $0.isLinearWeight, models: 3) }, count: 3)
            let mine = selected.indices.filter { plan[$0] == 1 }.map { selected[$0].name }
            #expect(mine.count >= 2 && mine.contains { $0.hasSuffix("dense.weight") || $0.hasSuffix("query.weight") || $0.hasSuffix("key.weight") || $0.hasSuffix("value.weight") })

            var processes = [Process]()
            for index in 0..<3 {
                let process = Process()
                process.executableURL = CommandRunner.executable
                process.arguments = Self.shardArguments(index, store: store)
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                processes.append(process)
            }
            // Kill shard 1 as soon as it has stored one of its tensors (it still has others in flight).
            let start = Date()
            while processes[1].isRunning, try Self.records(of: mine, in: store).isEmpty, Date().timeIntervalSince(start) < 600 {
                Thread.sleep(forTimeInterval: 0.005)
            }
            let killed = processes[1].isRunning
            if killed { kill(processes[1].processIdentifier, SIGKILL) }
            for process in processes { process.waitUntilExit() }
            #expect(killed, "shard 1 finished before it could be killed")
            #expect(processes[0].terminationStatus == 0 && processes[2].terminationStatus == 0)
            let survived = try Self.records(of: mine, in: store)
            #expect(!survived.isEmpty && survived.count < mine.count, "\(survived.count) of \(mine.count) records of the killed shard")

            // The store is readable and says what is missing.
            let partial = try CommandRunner.run(["report", "--store", store.path])
            #expect(partial.status == 6)
            for name in mine where survived[name] == nil { #expect(partial.stderr.contains(name) || partial.stderr.contains("…")) }

            // The rerun keeps every record the killed process had written and computes the rest.
            let resumed = try CommandRunner.run(Self.shardArguments(1, store: store))
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let after = try Self.records(of: mine, in: store)
            #expect(after.count == mine.count)
            for (name, bytes) in survived { #expect(after[name] == bytes, "\(name) was recomputed") }

            let combined = try CommandRunner.run(["report", "--store", store.path, "--format", "json"])
            #expect(combined.status == 0)
            let single = try CommandRunner.run(["model", "--base", base, "--models"] + models + Self.selection + ["--format", "json"])
            #expect(single.status == 0)
            #expect(StoreCommandTests.withoutPerformance(single.stdout) == combined.stdout, "the combined shards differ from the single-process run")
        }
    }
}
