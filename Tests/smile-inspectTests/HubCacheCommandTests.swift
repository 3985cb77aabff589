import Analysis
import Foundation
import Testing

/// Repo ids `org/name[@revision]` given to the binary, resolved from a Hub cache built in a temporary
/// directory (refs, snapshots, blob symlinks) and named by `HF_HUB_CACHE` or `HF_HOME`.
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct HubCacheCommandTests {
    static let commit = String(repeating: "c3", count: 20)

    /// A cache (`<home>/hub`) holding the demo's base as `org/base`, its full fine-tune `alpha` as
    /// `org/alpha` and its LoRA adapter `beta` as `org/beta`, each at ``commit`` with `refs/main`.
    static func demoCache() throws -> (home: URL, hub: URL, demo: DemoFamilyRun.Run) {
        let demo = try DemoFamilyRun.shared.get()
        let home = try TestPaths.temporaryDirectory()
        let hub = home.appendingPathComponent("hub")
        for (repo, source) in [("base", demo.base), ("alpha", demo.model("alpha")), ("beta", demo.model("beta"))] {
            let repoDirectory = hub.appendingPathComponent("models--org--\(repo)")
            let snapshot = repoDirectory.appendingPathComponent("snapshots/\(Self.commit)")
            try FileManager.default.createDirectory(at: snapshot, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: repoDirectory.appendingPathComponent("blobs"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: repoDirectory.appendingPathComponent("refs"), withIntermediateDirectories: true)
            try Data(Self.commit.utf8).write(to: repoDirectory.appendingPathComponent("refs/main"))
            for (index, name) in try FileManager.default.contentsOfDirectory(atPath: source).sorted().enumerated() {
                let blob = String(format: "%064x", index + 1)
                try FileManager.default.copyItem(atPath: source + "/" + name, toPath: repoDirectory.appendingPathComponent("blobs/\(blob)").path)
                try FileManager.default.createSymbolicLink(atPath: snapshot.appendingPathComponent(name).path, withDestinationPath: "../../blobs/\(blob)")
            }
        }
        return (home, hub, demo)
    }

    @Test func listNamesTheSnapshotUsed() throws {
        let cache = try Self.demoCache()
        let run = try CommandRunner.run(["list", "org/base"], environment: ["HF_HUB_CACHE": cache.hub.path])
        #expect(run.status == 0, "\(run.stderr)")
        let first = run.stdout.split(separator: "\n").first.map(String.init)
        #expect(first == "Hugging Face cache: org/base@main → snapshot \(Self.commit) (\(cache.hub.path)/models--org--base/snapshots/\(Self.commit))")
        #expect(run.stdout.contains("encoder.layer.0.attention.self.query.weight"))
        let adapter = try CommandRunner.run(["list", "org/beta@main"], environment: ["HF_HUB_CACHE": "", "HF_HOME": cache.home.path])
        #expect(adapter.status == 0, "\(adapter.stderr)")
        #expect(adapter.stdout.contains("r 4, lora_alpha 8, scale 2"))
    }

    @Test func modelReportFromRepoIdsEqualsTheOneFromPaths() throws {
        let cache = try Self.demoCache()
        let fromCache = try CommandRunner.run(
            ["model", "--quiet", "--base", "org/base", "--models", "org/alpha", "org/beta@\(Self.commit)", "--name", "alpha", "beta", "--format", "json"],
            environment: ["HF_HUB_CACHE": cache.hub.path])
        let fromPaths = try CommandRunner.run(
            ["model", "--quiet", "--base", cache.demo.base, "--models", cache.demo.model("alpha"), cache.demo.model("beta"), "--format", "json"])
        #expect(fromCache.status == 0, "\(fromCache.stderr)")
        #expect(fromPaths.status == 0, "\(fromPaths.stderr)")
        let cached = try JSONDecoder().decode(FamilyReport.self, from: Data(fromCache.stdout.utf8))
        let local = try JSONDecoder().decode(FamilyReport.self, from: Data(fromPaths.stdout.utf8))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(try encoder.encode(cached.layers) == encoder.encode(local.layers))
        #expect(cached.layers.count > 0)
    }

    @Test func missingModelOrRevisionIsOneLineWithTheDownloadCommand() throws {
        let cache = try Self.demoCache()
        let missing = try CommandRunner.run(["list", "org/absent"], environment: ["HF_HUB_CACHE": cache.hub.path])
        #expect(missing.status == 3)
        #expect(missing.stderr.split(separator: "\n").count == 1)
        #expect(missing.stderr.contains(cache.hub.path) && missing.stderr.contains("fetch it with: huggingface-cli download org/absent\n"))
        let revision = try CommandRunner.run(
            ["mergeable", "--base", "org/base@v9", "--models", "org/alpha", "org/beta"], environment: ["HF_HUB_CACHE": cache.hub.path])
        #expect(revision.status == 3)
        #expect(revision.stderr.split(separator: "\n").count == 1)
        #expect(revision.stderr.contains("revision v9 is not in the cache (cached revisions: main)"))
        #expect(revision.stderr.contains("huggingface-cli download org/base --revision v9"))
    }

    @Test func localDirectoryWinsOverRepoIdOfTheSameSpelling() throws {
        let cache = try Self.demoCache()
        let workingDirectory = try TestPaths.temporaryDirectory()
        try FileManager.default.createDirectory(at: workingDirectory.appendingPathComponent("org"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: cache.demo.model("beta"), toPath: workingDirectory.appendingPathComponent("org/base").path)
        let run = try CommandRunner.run(["list", "org/base"], in: workingDirectory, environment: ["HF_HUB_CACHE": cache.hub.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdout.contains("Hugging Face cache"))
        #expect(run.stdout.hasPrefix("LoRA adapter org/base"))
    }
}
