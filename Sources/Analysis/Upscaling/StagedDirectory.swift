import CAtomicRename
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Creates a directory atomically: everything is written into a hidden staging directory next to the
/// destination (`.NAME.tmp-<UUID>`, same file system), which is renamed into place only when complete.
///
/// - Without `replace`, an existing destination is refused up front (``UpscaleError/outputExists(path:)``)
///   and again at commit time.
/// - With `replace`, commit exchanges the new and the old directory in one atomic step (Linux
///   `renameat2(RENAME_EXCHANGE)`), then removes the old one. Where the file system cannot exchange, it
///   renames the old destination aside (`.NAME.old-<UUID>`), renames the new one in and removes the old
///   one (a kill between the two renames leaves the old output aside); if the second rename fails the old
///   one is put back. Only an empty
///   directory or a previous output (one holding `marker`, i.e. `smile_config.json`) is ever replaced:
///   anything else — a model directory, a home directory, a file — is refused even with `replace`.
/// - ``discard()`` (on any failure) removes the staging directory, so no partial output is left.
struct StagedDirectory {
    let destination: URL
    let staging: URL
    let replace: Bool
    let marker: String

    /// Checks the destination and creates the staging directory. Throws ``UpscaleError``.
    init(destination: URL, replace: Bool, marker: String) throws {
        try Self.check(destination: destination, replace: replace, marker: marker)
        let path = destination.relativePath
        self.marker = marker
        self.destination = destination
        self.replace = replace
        self.staging = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).tmp-\(UUID().uuidString)")
        guard mkdir(staging.path, 0o777) == 0 else { throw UpscaleError.cannotWrite(path: path, reason: Self.systemMessage()) }
    }

    /// The checks made before anything is computed: an existing destination is refused without
    /// `replace`, and with it unless it is replaceable; the parent directory must exist and accept new
    /// entries. Throws ``UpscaleError``.
    static func check(destination: URL, replace: Bool, marker: String) throws {
        let path = destination.relativePath
        if exists(destination) {
            guard replace else { throw UpscaleError.outputExists(path: path) }
            try checkReplaceable(destination, marker: marker)
        }
        let parent = destination.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw UpscaleError.cannotWrite(path: path, reason: "the parent directory \(parent.relativePath) does not exist")
        }
        do {
            try OutputPath.checkDirectory(parent.relativePath)
        } catch let CheckpointError.unwritable(_, reason) {
            throw UpscaleError.cannotWrite(path: path, reason: reason)
        }
    }

    /// Moves the staged directory into place. On failure the destination is as it was and the staging
    /// directory is removed.
    func commit() throws {
        let path = destination.relativePath
        defer { discard() }
        var aside: URL?
        if Self.exists(destination) {
            guard replace else { throw UpscaleError.outputExists(path: path) }
            try Self.checkReplaceable(destination, marker: marker)
            // Swap the new output and the old one in one step where the kernel can (renameat2 with
            // RENAME_EXCHANGE), so no moment exists without a complete output at `destination`.
            if smile_exchange_paths(staging.path, destination.path) == 0 {
                Self.syncDirectory(destination.deletingLastPathComponent())
                try? FileManager.default.removeItem(at: staging)
                return
            }
            let old = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).old-\(UUID().uuidString)")
            guard rename(destination.path, old.path) == 0 else { throw UpscaleError.cannotWrite(path: path, reason: "cannot move the old directory aside: \(Self.systemMessage())") }
            aside = old
        }
        guard rename(staging.path, destination.path) == 0 else {
            let message = Self.systemMessage()
            if let aside { _ = rename(aside.path, destination.path) }
            throw UpscaleError.cannotWrite(path: path, reason: message)
        }
        Self.syncDirectory(destination.deletingLastPathComponent())
        if let aside { try? FileManager.default.removeItem(at: aside) }
    }

    /// Fills the staging directory with `body` (given its URL) and commits it. On any failure the staging
    /// directory is removed, and a write failure inside `body` (``CheckpointError/unwritable(_:_:)``)
    /// becomes ``UpscaleError/cannotWrite(path:reason:)`` naming the destination.
    func fill<T>(_ body: (URL) throws -> T) throws -> T {
        do {
            let result = try body(staging)
            try commit()
            return result
        } catch let CheckpointError.unwritable(file, reason) {
            discard()
            throw UpscaleError.cannotWrite(path: destination.relativePath, reason: "\(file): \(reason)")
        } catch {
            discard()
            throw error
        }
    }

    /// The first of `inputs` that is `destination` or lies inside it (symbolic links resolved): writing
    /// the output there would replace an input. Nil when none does.
    static func input(among inputs: [URL], inside destination: URL) -> URL? {
        let output = destination.standardizedFileURL.resolvingSymlinksInPath().path
        return inputs.first { input in
            let path = input.standardizedFileURL.resolvingSymlinksInPath().path
            return path == output || path.hasPrefix(output.hasSuffix("/") ? output : output + "/")
        }
    }

    /// Copies those of `names` present in `source` (a model's config, tokenizer and generation files) into
    /// `directory`; returns the names copied, in the order given.
    static func copyPresent(_ names: [String], from source: URL, into directory: URL) throws -> [String] {
        var copied = [String]()
        for name in names {
            let file = source.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            try FileManager.default.copyItem(at: file, to: directory.appendingPathComponent(name))
            copied.append(name)
        }
        return copied
    }

    /// Removes the staging directory (a no-op once committed).
    func discard() {
        try? FileManager.default.removeItem(at: staging)
    }

    /// Refuses to replace anything but an empty directory or one holding `marker` (a previous output).
    private static func checkReplaceable(_ url: URL, marker: String) throws {
        var isDirectory: ObjCBool = false
        let fm = FileManager.default
        let isPlainDirectory = fm.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
            && ((try? fm.destinationOfSymbolicLink(atPath: url.path)) == nil)
        let entries = isPlainDirectory ? ((try? fm.contentsOfDirectory(atPath: url.path)) ?? [""]) : [""]
        guard entries.isEmpty || entries.contains(marker) else {
            throw UpscaleError.cannotWrite(
                path: url.relativePath,
                reason: "it exists and is not a previous output of this command (no \(marker)); refusing to replace it even with --force")
        }
    }

    private static func exists(_ url: URL) -> Bool {
        var status = stat()
        return lstat(url.path, &status) == 0
    }

    /// Makes the rename durable (best effort: the data files themselves are already synced).
    private static func syncDirectory(_ url: URL) {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    private static func systemMessage() -> String { String(cString: strerror(errno)) }
}
