import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What running a closure cost: wall time and growth of the process's peak resident memory.
///
/// The peak (`getrusage` max RSS) only rises, so growth measures the most memory touched at once by the
/// closure — or by a test running concurrently, which is why bounds on it are generous (tens of MB) and
/// meant to catch a file that makes the reader allocate from a number it claims, not small leaks.
struct ResourceUse {
    /// Wall-clock seconds.
    var seconds: Double
    /// Growth of the peak resident set, in MB.
    var peakGrowthMB: Double

    /// Runs `body` and measures it.
    static func measure(_ body: () throws -> Void) rethrows -> ResourceUse {
        let peakBefore = peakResidentKB()
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return ResourceUse(seconds: seconds, peakGrowthMB: Double(peakResidentKB() - peakBefore) / 1024)
    }

    private static func peakResidentKB() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss
    }
}
