import Analysis
import Foundation
import Plots

/// Writes the domain figures of a layer or a family as PNG files into one directory (created when
/// missing). File names come from ``FigureCatalog``: `spectrum-<layer>.png`, `zone-energy-<layer>.png`,
/// `energy-maps-<layer>.png`, `interference-<layer>.png`, `smile-sizing-<layer>.png` per layer;
/// `model-depth-profile.png`, `model-smile-sizing.png`, `model-zone-energy.png`, `model-energy-maps.png`,
/// `model-interference.png` and `mode-energy-<tensor>.png` per family. Each file is written atomically.
struct FigureWriter {
    /// The output directory.
    let directory: String

    init(directory: String) {
        self.directory = directory
    }

    /// Writes the per-layer figures (1–4, and 6 for that layer); returns the files written.
    /// - Throws: ``OutputError`` or ``CheckpointError/unwritable(file:reason:)`` when the directory or a file cannot be written.
    func layerFigures(_ layer: LayerAnalysis) throws -> [URL] {
        try write(FigureCatalog.layerFigures(layer))
    }

    /// Writes the family figures (5, 6 over the family, 7 for each N-D tensor, 2–4 for the model summary
    /// where they make sense); returns the files written.
    /// - Throws: ``OutputError`` or ``CheckpointError/unwritable(file:reason:)`` when the directory or a file cannot be written.
    func familyFigures(_ report: FamilyReport) throws -> [URL] {
        try write(FigureCatalog.familyFigures(report))
    }

    private func write(_ figures: [NamedFigure]) throws -> [URL] {
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        try OutputPath.createDirectory(directory)
        return try figures.map { named in
            let url = folder.appendingPathComponent(named.fileName)
            do {
                try named.figure.writePNG(to: url)
            } catch let PlotError.cannotWrite(_, reason) {
                throw OutputError(path: url.path, underlying: reason)
            } catch {
                throw OutputError(path: url.path, underlying: "\(error)")
            }
            return url
        }
    }
}
