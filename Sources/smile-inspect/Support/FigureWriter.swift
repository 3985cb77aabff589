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
    /// - Throws: ``OutputError`` when the directory or a file cannot be written.
    func layerFigures(_ layer: LayerAnalysis) throws -> [URL] {
        try write(FigureCatalog.layerFigures(layer))
    }

    /// Writes the family figures (5, 6 over the family, 7 for each N-D tensor, 2–4 for the model summary
    /// where they make sense); returns the files written.
    /// - Throws: ``OutputError`` when the directory or a file cannot be written.
    func familyFigures(_ report: FamilyReport) throws -> [URL] {
        try write(FigureCatalog.familyFigures(report))
    }

    /// Why `folder` could not be created, in words: an ancestor that is a file, or the system's reason.
    private static func reason(_ error: Error, creating folder: URL) -> String {
        var ancestor = folder.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        while ancestor.path != "/" && !FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
            ancestor = ancestor.deletingLastPathComponent()
        }
        if FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            return "\(ancestor.path) is a file, not a directory"
        }
        if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return error.localizedDescription
    }

    private func write(_ figures: [NamedFigure]) throws -> [URL] {
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw OutputError(path: directory, underlying: "not a directory") }
        } else {
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw OutputError(path: directory, underlying: "cannot create the directory: \(Self.reason(error, creating: folder))")
            }
        }
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
