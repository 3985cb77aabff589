import Foundation

/// A model named by its Hugging Face Hub repo id, `org/name` or `org/name@revision`.
///
/// Both parts of the id are Hub names: letters, digits, `-`, `_` and `.`, not starting with `.` or `-`.
/// The revision (default `main`) is a branch, a tag or a commit hash; it may contain `/` (as
/// `refs/pr/1` does) but no empty, `.` or `..` component and no control character.
public struct HubReference: Sendable, Equatable, CustomStringConvertible {
    /// `org/name`.
    public let repo: String
    /// The revision as given, or nil for the default branch.
    public let revision: String?

    /// Parses `text`, or returns nil when it is not a repo id.
    public init?(_ text: String) {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        let names = parts[0].split(separator: "/", omittingEmptySubsequences: false)
        guard names.count == 2, names.allSatisfy(Self.isHubName) else { return nil }
        if parts.count == 2 {
            let components = parts[1].split(separator: "/", omittingEmptySubsequences: false)
            guard components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }),
                  !parts[1].unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return nil }
        }
        repo = String(parts[0])
        revision = parts.count == 2 ? String(parts[1]) : nil
    }

    /// `org/name`, with `@revision` when one was given.
    public var description: String { revision.map { "\(repo)@\($0)" } ?? repo }

    /// The revision looked up: the given one, or `main`.
    public var effectiveRevision: String { revision ?? "main" }

    /// The repo's folder in the cache, as `huggingface_hub` names it: `models--org--name`.
    public var folderName: String { "models--" + repo.replacingOccurrences(of: "/", with: "--") }

    /// The command that downloads this revision into the cache.
    public var downloadCommand: String {
        "huggingface-cli download \(repo)" + (revision.map { " --revision \($0)" } ?? "")
    }

    private static func isHubName(_ name: Substring) -> Bool {
        guard let first = name.unicodeScalars.first, !name.isEmpty, name.utf8.count <= 96, first != ".", first != "-" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }
    }
}

/// The local Hugging Face Hub cache, read offline exactly as `huggingface_hub` lays it out.
///
/// Root: `$HF_HUB_CACHE`, else `$HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`, else
/// `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub` (a leading `~` is expanded).
/// A repo lives in `models--org--name/`: `refs/<revision>` holds the commit hash a branch or tag points
/// to, `snapshots/<commit>/` holds the files (symlinks into `../../blobs/<sha256>`). A revision with no
/// ref file is taken as a commit hash and looked up in `snapshots/` directly, as
/// `huggingface_hub.try_to_load_from_cache` does. Nothing is ever downloaded.
public struct HubCache: Sendable, Equatable {
    /// The cache's root directory (the one holding `models--…` folders).
    public let root: URL

    /// The cache `huggingface_hub` would use with `environment` (default: this process's).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        func expanded(_ path: String) -> URL {
            if path == "~" { return home }
            if path.hasPrefix("~/") { return home.appendingPathComponent(String(path.dropFirst(2))) }
            return URL(fileURLWithPath: path)
        }
        func nonEmpty(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        if let cache = nonEmpty("HF_HUB_CACHE") ?? nonEmpty("HUGGINGFACE_HUB_CACHE") {
            root = expanded(cache)
        } else if let hfHome = nonEmpty("HF_HOME") {
            root = expanded(hfHome).appendingPathComponent("hub")
        } else {
            let cacheHome = nonEmpty("XDG_CACHE_HOME").map(expanded) ?? home.appendingPathComponent(".cache")
            root = cacheHome.appendingPathComponent("huggingface").appendingPathComponent("hub")
        }
    }

    /// The cache rooted at `root`.
    public init(root: URL) { self.root = root }

    /// The snapshot `reference` names. Throws ``CheckpointError/notInHubCache(repo:cache:reason:command:)``
    /// when the repo, its revision or the snapshot directory is missing, or a ref file does not hold a
    /// commit hash.
    public func snapshot(_ reference: HubReference) throws -> HubSnapshot {
        let repoDirectory = root.appendingPathComponent(reference.folderName)
        func missing(_ reason: String) -> CheckpointError {
            .notInHubCache(repo: reference.description, cache: root.path, reason: reason, command: reference.downloadCommand)
        }
        guard Self.isDirectory(repoDirectory) else { throw missing("the model is not in the cache") }
        let revision = reference.effectiveRevision
        let refFile = repoDirectory.appendingPathComponent("refs").appendingPathComponent(revision)
        let commit: String
        if Self.isFile(refFile) {
            guard let data = try? Data(contentsOf: refFile), data.count <= 256 else { throw missing("refs/\(revision) cannot be read") }
            commit = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard commit.utf8.count == 40, commit.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
                throw missing("refs/\(revision) does not hold a commit hash")
            }
        } else {
            commit = revision
        }
        let directory = repoDirectory.appendingPathComponent("snapshots").appendingPathComponent(commit)
        guard !commit.contains("/"), Self.isDirectory(directory) else {
            let known = Self.knownRevisions(in: repoDirectory)
            let list = known.isEmpty ? "none" : known.joined(separator: ", ")
            throw missing(commit == revision
                ? "revision \(revision) is not in the cache (cached revisions: \(list))"
                : "refs/\(revision) points to commit \(commit), whose snapshot is not in the cache")
        }
        return HubSnapshot(reference: reference, commit: commit, directory: directory)
    }

    /// Branch and tag names with a ref file, then snapshot commits no ref names, sorted.
    private static func knownRevisions(in repoDirectory: URL) -> [String] {
        let refs = repoDirectory.appendingPathComponent("refs")
        let names = (FileManager.default.enumerator(atPath: refs.path)?.allObjects as? [String] ?? [])
            .filter { isFile(refs.appendingPathComponent($0)) }.sorted()
        return names.isEmpty
            ? ((try? FileManager.default.contentsOfDirectory(atPath: repoDirectory.appendingPathComponent("snapshots").path)) ?? []).sorted()
            : names
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private static func isFile(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }
}

/// One revision of a repo found in the ``HubCache``.
public struct HubSnapshot: Sendable, Equatable, CustomStringConvertible {
    /// The repo id and revision asked for.
    public let reference: HubReference
    /// The commit hash the revision resolved to (the snapshot's directory name).
    public let commit: String
    /// `<cache>/models--org--name/snapshots/<commit>`.
    public let directory: URL

    /// E.g. `org/name@main → snapshot 0123abcd… (/root/.cache/huggingface/hub/models--org--name/snapshots/0123…)`.
    public var description: String {
        "\(reference.repo)@\(reference.effectiveRevision) → snapshot \(commit) (\(directory.path))"
    }
}

/// Where a checkpoint argument (a path or a Hub repo id) is on disk.
///
/// A path that exists always wins, even when it is spelled like a repo id. Otherwise an argument that
/// parses as a ``HubReference`` is looked up in the ``HubCache``; anything else is taken as a path
/// (opening it reports that it does not exist).
public struct CheckpointLocation: Sendable, Equatable {
    /// The file or directory to open.
    public let url: URL
    /// The cache snapshot the argument resolved to, or nil for a path.
    public let snapshot: HubSnapshot?

    /// Resolves `argument` against the file system, then `cache`.
    public static func resolve(_ argument: String, cache: HubCache = HubCache()) throws -> CheckpointLocation {
        let path = URL(fileURLWithPath: argument)
        if FileManager.default.fileExists(atPath: path.path) { return CheckpointLocation(url: path, snapshot: nil) }
        guard let reference = HubReference(argument) else { return CheckpointLocation(url: path, snapshot: nil) }
        let snapshot = try cache.snapshot(reference)
        return CheckpointLocation(url: snapshot.directory, snapshot: snapshot)
    }

    /// The default task name: the repo name (with `@revision` when given) for a snapshot, else the
    /// directory name, or the file name without extension (its directory's name for the conventional
    /// `model.safetensors` / `pytorch_model.bin`).
    public var defaultName: String {
        if let snapshot {
            let name = String(snapshot.reference.repo.split(separator: "/")[1])
            return snapshot.reference.revision.map { "\(name)@\($0)" } ?? name
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue { return url.lastPathComponent }
        let stem = url.deletingPathExtension().lastPathComponent
        return stem == "model" || stem == "pytorch_model" ? url.deletingLastPathComponent().lastPathComponent : stem
    }
}
