import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What running a closure cost: its thread's CPU time and growth of the process's peak resident memory.
///
/// The peak (`getrusage` max RSS) only rises, so growth measures the most memory touched at once by the
/// closure — or by a test running concurrently, which is why bounds on it are generous (tens of MB) and
/// meant to catch a file that makes the reader allocate from a number it claims, not small leaks.
struct ResourceUse {
    /// CPU seconds of the calling thread (the body runs on it synchronously): unlike wall time, not
    /// inflated by other tests sharing the cores.
    var seconds: Double
    /// Growth of the peak resident set, in MB.
    var peakGrowthMB: Double

    /// Runs `body` and measures it.
    static func measure(_ body: () throws -> Void) rethrows -> ResourceUse {
        let peakBefore = peakResidentKB()
        let start = threadCPUSeconds()
        try body()
        let seconds = threadCPUSeconds() - start
        return ResourceUse(seconds: seconds, peakGrowthMB: Double(peakResidentKB() - peakBefore) / 1024)
    }

    private static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    private static func peakResidentKB() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss
    }
}
