import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Memory accounting for the streaming analysis: an estimate of one layer's working set from its shape
/// (so `--max-memory` can be honoured before anything is read), and the process's peak resident set.
public enum MemoryAccounting {
    /// Bytes one layer's analysis holds at its peak, estimated from its shape (Float32 throughout).
    ///
    /// With m×n, r = min(m, n), d dense (full fine-tune) and l LoRA updates, in Float32 elements:
    ///
    /// - inputs: W_pre and the d dense ΔW (m·n each), LoRA factors (m+n)·64 each;
    /// - W_pre's thin factors U, Vᵀ: (m+n)·r;
    /// - the largest transient of the sequence (read and decode; the SVD of W_pre or of one ΔW: a copy,
    ///   its factors and LAPACK's ≈ 4r² workspace — the Gram path's G and its eigensolver's workspace, ≤ 3r²
    ///   Doubles, plus its m·r product fit in the same bound; the projection; W_ft for intruders; the
    ///   interference products, chunked to at most d·m·n);
    /// - the kept singular vectors of every ΔW: at most (m+n)·r each.
    public static func layerBytes(rows m: Int, columns n: Int, denseUpdates d: Int, loraUpdates l: Int) -> Int {
        let r = Swift.min(m, n), mn = m * n
        let inputs = (d + 1) * mn + l * (m + n) * 64
        let baseFactors = (m + n) * r + r
        let svdTransient = mn + (m + n) * r + 4 * r * r
        let transient = Swift.max(3 * mn, svdTransient + m * r, 2 * mn, Swift.max(1, d) * mn)
        let kept = (d + l) * (m + n) * r
        return 4 * (inputs + baseFactors + transient + kept)
    }

    /// Bytes of a tensor analysed without an SVD per model (1-D norms, or an N-D tensor per mode):
    /// every model's copy plus a few transients.
    public static func tensorBytes(elements: Int, models: Int) -> Int { 4 * elements * (models + 4) }

    /// The Float32 working set of one layer: W_pre and T updates, (T + 1)·m·n·4 bytes (the yardstick for
    /// the peak-memory target).
    public static func workingSetBytes(rows m: Int, columns n: Int, tasks: Int) -> Int { 4 * (tasks + 1) * m * n }

    /// The process's peak resident set size so far (VmHWM from /proc/self/status), in bytes (0 when unknown).
    public static func peakResidentBytes() -> Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") {
            return kb * 1024
        }
        return 0
    }

    /// The current resident set size (VmRSS), in bytes (0 when unknown).
    public static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return 0 }
        return kb * 1024
    }

    /// Makes large allocations come from (and go back to) the kernel directly, so freed matrices leave the
    /// resident set at once instead of lingering in the heap: fixes glibc's mmap threshold at 1 MiB (it
    /// otherwise grows to 32 MiB after the first large free). Idempotent; a no-op off glibc.
    public static func returnLargeAllocationsToTheSystem() {
        #if canImport(Glibc)
        _ = allocatorConfigured
        #endif
    }

    #if canImport(Glibc)
    private static let allocatorConfigured: Bool = {
        // mallopt is not in the Glibc module map; M_MMAP_THRESHOLD is -3 in <malloc.h>.
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        return unsafeBitCast(symbol, to: MallOpt.self)(-3, 1 << 20) == 1
    }()
    #endif

    /// "1.5 GiB"-style text.
    public static func describe(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// The one size syntax of the command line (`--max-memory`, `--max-shard-size`): "8G", "8GiB", "512M",
    /// "1.5g" (K/M/G/T and KiB/MiB/GiB/TiB are powers of 1024), "2GB", "500MB" (KB/MB/GB/TB powers of
    /// 1000), "1000000" or "1000000B" (bytes), case-insensitive. nil when malformed, not positive, below
    /// one byte or beyond 9·10¹⁸ bytes (so a huge value is refused rather than overflowing `Int`).
    public static func parse(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let suffixes: [(String, Double)] = [
            ("tib", 1_099_511_627_776), ("gib", 1_073_741_824), ("mib", 1_048_576), ("kib", 1024),
            ("tb", 1e12), ("gb", 1e9), ("mb", 1e6), ("kb", 1e3),
            ("t", 1_099_511_627_776), ("g", 1_073_741_824), ("m", 1_048_576), ("k", 1024), ("b", 1),
        ]
        let (number, factor) = suffixes.first { t.hasSuffix($0.0) }.map { (String(t.dropLast($0.0.count)).trimmingCharacters(in: .whitespaces), $0.1) } ?? (t, 1)
        guard let v = Double(number), v > 0, (v * factor).isFinite, v * factor >= 1, v * factor < 9e18 else { return nil }
        return Int(v * factor)
    }
}
