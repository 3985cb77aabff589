import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file that holds one fuzz input at a time, for code that reads by path.
///
/// The file is created in a temporary directory and unlinked at once; it stays reachable, only to this
/// process, as `/proc/self/fd/<n>`, so a crashing or killed fuzzer leaves nothing behind.
final class ScratchFile {
    /// The path that opens the file's current content.
    let url: URL
    private let descriptor: Int32

    init() {
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("smile-fuzz-XXXXXX").path
        var name = Array(template.utf8CString)
        descriptor = mkstemp(&name)
        precondition(descriptor >= 0, "cannot create a scratch file in \(template)")
        unlink(name)
        url = URL(fileURLWithPath: "/proc/self/fd/\(descriptor)")
    }

    /// Replaces the file's content with `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) {
        truncate(to: 0)
        var written = 0
        while written < bytes.count {
            let result = pwrite(descriptor, bytes.baseAddress! + written, bytes.count - written, off_t(written))
            precondition(result > 0, "cannot write the scratch file")
            written += result
        }
    }

    /// Cuts the file to `size` bytes (as another process truncating it would).
    func truncate(to size: Int) {
        precondition(ftruncate(descriptor, off_t(size)) == 0, "cannot truncate the scratch file")
    }
}
