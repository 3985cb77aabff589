import Foundation
import Plots
import Testing

/// Writes every sample figure to `$PLOTS_SAMPLES_DIR` for a visual review; does nothing without it.
@Test(.enabled(if: ProcessInfo.processInfo.environment["PLOTS_SAMPLES_DIR"] != nil))
func writeSampleImages() throws {
    let directory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["PLOTS_SAMPLES_DIR"]!)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    for (name, figure) in SampleFigures.all {
        try figure.writePNG(to: directory.appendingPathComponent(name + ".png"))
    }
}
