#if canImport(Glibc)
/// glibc's `mallopt(3)` (declared in malloc.h, which the Glibc module does not export).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// Keeps glibc from handing every large buffer back to the kernel (no mmap per buffer, no trimming: -1
/// disables it, as mallopt(3) documents).
///
/// A merge allocates and frees several tensor-sized arrays per tensor (decoded base and fine-tunes, the
/// sum, the BF16 encoding); by default glibc serves each one ≥ 32 MB with a fresh `mmap` and `munmap`s it
/// on free, so every page is faulted in again for the next tensor — on a 7B-shaped BF16 family that was
/// 4.8 M page faults and most of the merge's CPU time, in the kernel. Serving them from the heap and not
/// trimming it lets the next tensor reuse the same pages (measured: 13.3 s → 3.2 s of system time; peak
/// RSS about the same, the largest tensor's working set). Process-wide and idempotent; a no-op off glibc.
enum LargeBufferReuse {
    /// `M_TRIM_THRESHOLD` and `M_MMAP_MAX` of malloc.h.
    private static let (trimThreshold, mmapMax): (Int32, Int32) = (-1, -4)

    /// Applies the setting once per process.
    static let enable: Void = {
        #if canImport(Glibc)
        _ = glibcMallopt(mmapMax, 0)
        _ = glibcMallopt(trimThreshold, -1)
        #endif
    }()
}
