import Analysis
import Foundation

/// A one-line progress display on standard error — "[12/72] layer.3.attention.self.query  ETA 0:41" —
/// redrawn in place, shown only when standard error is a terminal.
final class ProgressLine: @unchecked Sendable {
    private let enabled: Bool
    private let start = Date()
    private let lock = NSLock()

    init(enabled: Bool) { self.enabled = enabled && isatty(STDERR_FILENO) == 1 }

    func update(_ progress: FamilyAnalyzer.Progress) {
        guard enabled, progress.total > 0 else { return }
        let elapsed = Date().timeIntervalSince(start)
        let eta = progress.done > 0 ? elapsed / Double(progress.done) * Double(progress.total - progress.done) : nil
        let etaText = eta.map { String(format: "ETA %d:%02d", Int($0) / 60, Int($0) % 60) } ?? "ETA –"
        let name = progress.current.count > 50 ? "…" + progress.current.suffix(49) : progress.current
        lock.withLock { ReportOutput.note("\r\u{1B}[2K[\(progress.done)/\(progress.total)] \(name)  \(etaText)") }
    }

    func finish() {
        guard enabled else { return }
        lock.withLock { ReportOutput.note("\r\u{1B}[2K") }
    }
}
