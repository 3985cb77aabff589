import Foundation
import Testing
@testable import Analysis

/// ``HubCache``, ``HubReference`` and ``CheckpointLocation`` over a real cache layout built in a
/// temporary directory: `models--org--name/refs/<rev>`, `snapshots/<commit>/<file>` symlinks into
/// `blobs/`, as `huggingface_hub` writes it.
struct HubCacheTests {
    /// A Hub cache under construction.
    struct CacheBuilder {
        let root: URL
        var cache: HubCache { HubCache(root: root) }

        init() throws { root = try Fixtures.temporaryDirectory().appendingPathComponent("hub") }

        /// Moves every file of `staging` into `blobs/` of `repo` and links it from `snapshots/<commit>/`;
        /// writes `refs/<ref>` → `commit` for each of `refs`.
        func add(repo: String, commit: String, refs: [String] = ["main"], from staging: URL) throws {
            let repoDirectory = root.appendingPathComponent("models--" + repo.replacingOccurrences(of: "/", with: "--"))
            let blobs = repoDirectory.appendingPathComponent("blobs")
            let snapshot = repoDirectory.appendingPathComponent("snapshots/\(commit)")
            try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: snapshot, withIntermediateDirectories: true)
            for (index, name) in try FileManager.default.contentsOfDirectory(atPath: staging.path).sorted().enumerated() {
                let blob = String(commit.prefix(32)) + String(format: "%032x", index)
                try FileManager.default.moveItem(at: staging.appendingPathComponent(name), to: blobs.appendingPathComponent(blob))
                try FileManager.default.createSymbolicLink(atPath: snapshot.appendingPathComponent(name).path, withDestinationPath: "../../blobs/\(blob)")
            }
            for ref in refs {
                let file = repoDirectory.appendingPathComponent("refs/\(ref)")
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(commit.utf8).write(to: file)
            }
        }
    }

    static let commitA = String(repeating: "a1", count: 20)
    static let commitB = String(repeating: "b2", count: 20)

    private let weights = ["enc.query.weight": TestModels.random([4, 3], seed: 1), "enc.value.weight": TestModels.random([4, 3], seed: 2)]

    private func staged(_ tensors: [String: Tensor]) throws -> URL {
        let directory = try Fixtures.temporaryDirectory()
        try TestModels.checkpoint(tensors, in: directory)
        return directory
    }

    @Test func referencesParseRepoIdsAndRevisions() {
        #expect(HubReference("org/name")?.repo == "org/name")
        #expect(HubReference("org/name")?.revision == nil)
        #expect(HubReference("org/name@v1.0")?.revision == "v1.0")
        #expect(HubReference("org/name@refs/pr/1")?.revision == "refs/pr/1")
        #expect(HubReference("org/name")?.folderName == "models--org--name")
        #expect(HubReference("org/name@dev")?.downloadCommand == "huggingface-cli download org/name --revision dev")
        for text in ["name", "a/b/c", "/abs/path", "./org/name", "org/name@", "org/name@../x", "org/name@a\nb", "org/.hidden", "org/na me", "../x"] {
            #expect(HubReference(text) == nil, "\(text) parsed as a repo id")
        }
    }

    @Test func cacheRootFollowsHuggingFaceHubEnvironment() {
        let home = ["HOME": "/home/u"]
        #expect(HubCache(environment: home).root.path == "/home/u/.cache/huggingface/hub")
        #expect(HubCache(environment: home.merging(["XDG_CACHE_HOME": "/x"]) { $1 }).root.path == "/x/huggingface/hub")
        #expect(HubCache(environment: home.merging(["HF_HOME": "~/hf"]) { $1 }).root.path == "/home/u/hf/hub")
        #expect(HubCache(environment: home.merging(["HF_HOME": "/hf", "HUGGINGFACE_HUB_CACHE": "/legacy"]) { $1 }).root.path == "/legacy")
        #expect(HubCache(environment: home.merging(["HF_HOME": "/hf", "HF_HUB_CACHE": "/c", "HUGGINGFACE_HUB_CACHE": "/legacy"]) { $1 }).root.path == "/c")
    }

    @Test func branchTagAndCommitResolveToSnapshotsReadThroughBlobSymlinks() throws {
        let builder = try CacheBuilder()
        try builder.add(repo: "org/model", commit: Self.commitA, refs: ["main"], from: staged(weights))
        let changed = weights.mapValues { Tensor(shape: $0.shape, values: $0.values.map { $0 + 1 }) }
        try builder.add(repo: "org/model", commit: Self.commitB, refs: ["v2", "refs/pr/3"], from: staged(changed))
        let main = try CheckpointLocation.resolve("org/model", cache: builder.cache)
        #expect(main.snapshot?.commit == Self.commitA)
        #expect(main.url.path == builder.root.path + "/models--org--model/snapshots/\(Self.commitA)")
        #expect(main.defaultName == "model")
        #expect(try Checkpoint(url: main.url).tensor("enc.query.weight") == weights["enc.query.weight"])
        for revision in ["v2", "refs/pr/3", Self.commitB] {
            let location = try CheckpointLocation.resolve("org/model@\(revision)", cache: builder.cache)
            #expect(location.snapshot?.commit == Self.commitB)
            #expect(try Checkpoint(url: location.url).tensor("enc.value.weight") == changed["enc.value.weight"])
        }
        #expect(try CheckpointLocation.resolve("org/model@v2", cache: builder.cache).defaultName == "model@v2")
        #expect(main.snapshot?.description.contains("org/model@main → snapshot \(Self.commitA)") == true)
    }

    @Test func missingModelNamesCacheAndDownloadCommand() throws {
        let builder = try CacheBuilder()
        let error = checkpointError { _ = try CheckpointLocation.resolve("org/absent", cache: builder.cache) }
        #expect(error == .notInHubCache(
            repo: "org/absent", cache: builder.root.path, reason: "the model is not in the cache", command: "huggingface-cli download org/absent"))
        let message = try #require(error?.description)
        #expect(!message.contains("\n") && message.contains(builder.root.path) && message.hasSuffix("fetch it with: huggingface-cli download org/absent"))
    }

    @Test func missingRevisionListsCachedOnesAndGivesRevisionInCommand() throws {
        let builder = try CacheBuilder()
        try builder.add(repo: "org/model", commit: Self.commitA, refs: ["main", "v1"], from: staged(weights))
        let error = checkpointError { _ = try CheckpointLocation.resolve("org/model@v9", cache: builder.cache) }
        guard case let .notInHubCache(repo, _, reason, command) = error else { Issue.record("unexpected \(String(describing: error))"); return }
        #expect(repo == "org/model@v9")
        #expect(reason == "revision v9 is not in the cache (cached revisions: main, v1)")
        #expect(command == "huggingface-cli download org/model --revision v9")
    }

    @Test func refPointingToAnAbsentSnapshotOrHoldingGarbageIsRefused() throws {
        let builder = try CacheBuilder()
        try builder.add(repo: "org/model", commit: Self.commitA, from: staged(weights))
        let refs = builder.root.appendingPathComponent("models--org--model/refs")
        try Data(Self.commitB.utf8).write(to: refs.appendingPathComponent("stale"))
        try Data("not a hash".utf8).write(to: refs.appendingPathComponent("broken"))
        let stale = checkpointError { _ = try CheckpointLocation.resolve("org/model@stale", cache: builder.cache) }
        let broken = checkpointError { _ = try CheckpointLocation.resolve("org/model@broken", cache: builder.cache) }
        #expect(stale?.description.contains("refs/stale points to commit \(Self.commitB), whose snapshot is not in the cache") == true)
        #expect(broken?.description.contains("refs/broken does not hold a commit hash") == true)
    }

    @Test func existingPathIsNeverLookedUpInTheCache() throws {
        let builder = try CacheBuilder()
        try builder.add(repo: "tmp/model", commit: Self.commitA, from: staged(weights))
        let local = try Fixtures.temporaryDirectory()
        let location = try CheckpointLocation.resolve(local.path, cache: builder.cache)
        #expect(location.snapshot == nil && location.url.path == local.path)
        let absent = try CheckpointLocation.resolve("/no/such/dir", cache: builder.cache)
        #expect(absent.snapshot == nil)
    }

    @Test func familyOpensRepoIdsIncludingAnAdapterRepo() throws {
        let builder = try CacheBuilder()
        try builder.add(repo: "org/base", commit: Self.commitA, from: staged(weights))
        let tuned = weights.mapValues { Tensor(shape: $0.shape, values: $0.values.map { $0 * 1.5 }) }
        try builder.add(repo: "org/full", commit: Self.commitA, from: staged(tuned))
        let adapterStaging = try Fixtures.temporaryDirectory()
        try TestModels.adapter(
            config: TestModels.loraConfig(r: 2, alpha: 4),
            tensors: ["base_model.model.enc.query.lora_A.weight": TestModels.random([2, 3], seed: 5),
                      "base_model.model.enc.query.lora_B.weight": TestModels.random([4, 2], seed: 6)],
            in: adapterStaging)
        try builder.add(repo: "org/lora", commit: Self.commitB, refs: ["main"], from: adapterStaging)
        let family = try ModelFamily.open(base: "org/base", models: ["org/full", "org/lora@main"], cache: builder.cache)
        #expect(family.taskNames == ["full", "lora@main"])
        #expect(family.modelKinds == [.full, .lora])
        #expect(family.matched.map(\.name) == ["enc.query.weight", "enc.value.weight"])
        #expect(try family.fineTunedTensor(model: 0, "enc.value.weight") == tuned["enc.value.weight"])
        #expect(family.notes.contains { $0.hasPrefix("base: from the Hugging Face cache, org/base@main → snapshot \(Self.commitA)") })
        #expect(family.notes.contains { $0.hasPrefix("lora@main: from the Hugging Face cache") })
    }
}
