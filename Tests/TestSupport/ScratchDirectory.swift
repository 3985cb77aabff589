import Foundation

/// The path of this test process's scratch root, read by the exit handler (a C function pointer cannot capture).
nonisolated(unsafe) private var scratchRootPath: String?

/// Temporary directories for tests. Every one lives under a single root per test process,
/// `$TMPDIR/smile-inspect-tests-<pid>-<random>/`, which is removed when the process exits, so a test run leaves
/// nothing in the temporary directory even where a test does not clean up after itself (or fails first).
public enum ScratchDirectory {
    /// The per-process root, created on first use; its removal is registered with `atexit`.
    private static let root: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("smile-inspect-tests-\(getpid())-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        scratchRootPath = url.path
        atexit {
            guard let path = scratchRootPath else { return }
            ScratchDirectory.makeRemovable(path)
            try? FileManager.default.removeItem(atPath: path)
        }
        return url
    }()

    /// A fresh empty directory `<root>/<prefix>-<UUID>`.
    public static func make(_ prefix: String) throws -> URL {
        let url = root.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Gives the owner write and search permission on every directory under `path` (tests make some read-only
    /// to provoke output errors), so that the tree can be removed.
    private static func makeRemovable(_ path: String) {
        guard let walker = FileManager.default.enumerator(atPath: path) else { return }
        chmod(path, 0o700)
        while let relative = walker.nextObject() as? String {
            let full = path + "/" + relative
            var status = stat()
            if lstat(full, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { chmod(full, 0o700) }
        }
    }
}
