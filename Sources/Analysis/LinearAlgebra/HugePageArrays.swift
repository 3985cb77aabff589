#if canImport(Glibc)
import Glibc
#endif

/// Large matrix buffers on transparent huge pages.
///
/// Every buffer of a MiB or more is its own `mmap` (``MemoryAccounting/returnLargeAllocationsToTheSystem()``
/// keeps freed matrices out of the resident set), so each is faulted in afresh, 4 KiB at a time: on the 7B
/// block that was 16 million page faults and a tenth of the CPU time. Where the kernel offers huge pages
/// on request (`/sys/kernel/mm/transparent_hugepage/enabled` = `madvise`, Debian's default), advising the
/// fresh buffer with `MADV_HUGEPAGE` before its first write makes that 2 MiB a fault. Nothing else changes:
/// the same bytes, freed the same way. A no-op off Linux, for small buffers, and where the kernel declines.
enum HugePageArrays {
    /// Buffers from this size (bytes) up are advised.
    static let threshold = 4 << 20
    /// The huge page size advised in: 2 MiB on x86-64 and 4 KiB-page arm64.
    static let hugePage = 2 << 20

    /// `count` zeros.
    static func zeros<T: BinaryFloatingPoint>(_ count: Int) -> [T] {
        filled(count) { $0.initialize(repeating: 0) }
    }

    /// An array of `count` elements that `initialize` writes in full (every element, once).
    static func filled<T>(_ count: Int, _ initialize: (UnsafeMutableBufferPointer<T>) -> Void) -> [T] {
        Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            if count * MemoryLayout<T>.stride >= threshold { advise(UnsafeMutableRawBufferPointer(buffer)) }
            initialize(buffer)
            initialized = count
        }
    }

    /// Advises the whole huge pages inside `region`.
    private static func advise(_ region: UnsafeMutableRawBufferPointer) {
        #if canImport(Glibc)
        guard let base = region.baseAddress else { return }
        let start = (Int(bitPattern: base) + hugePage - 1) & ~(hugePage - 1)
        let end = (Int(bitPattern: base) + region.count) & ~(hugePage - 1)
        guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(pointer, end - start, MADV_HUGEPAGE)
        #endif
    }
}
