import Analysis
import Foundation
import Plots
import Testing

/// Writes every domain figure to `$SMILE_FIGURES_DIR` for a visual review (demo family and synthetic
/// layers in `figures-demo/`, MiniLM in `figures-minilm/` when the models are there); does nothing without it.
@Test(.enabled(if: ProcessInfo.processInfo.environment["SMILE_FIGURES_DIR"] != nil))
func writeDomainFiguresForReview() throws {
    let root = URL(fileURLWithPath: ProcessInfo.processInfo.environment["SMILE_FIGURES_DIR"]!)
    func write(_ figures: [NamedFigure], to folder: String, prefix: String = "") throws {
        let directory = root.appendingPathComponent(folder)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for named in figures { try named.figure.writePNG(to: directory.appendingPathComponent(prefix + named.fileName)) }
    }
    let demo = try FigureFixtures.demo.get()
    try write(FigureCatalog.familyFigures(demo), to: "figures-demo")
    for layer in demo.layers { try write(FigureCatalog.layerFigures(layer), to: "figures-demo") }
    try write(FigureCatalog.layerFigures(try FigureFixtures.eightTasks.get()), to: "figures-demo", prefix: "t8-")
    try write(FigureCatalog.layerFigures(try FigureFixtures.twoTasks.get()), to: "figures-demo", prefix: "t2-")
    try write(FigureCatalog.layerFigures(try FigureFixtures.oneTask.get()), to: "figures-demo", prefix: "t1-")
    try write(FigureCatalog.familyFigures(try FigureFixtures.deepEightTasks.get()), to: "figures-demo", prefix: "deep72-")
    if let folder = FigureFixtures.miniLMFolder {
        let full = try FigureFixtures.analyzeMiniLM(folder, prefix: "full")
        try write(FigureCatalog.familyFigures(full), to: "figures-minilm", prefix: "full-")
        for layer in full.layers { try write(FigureCatalog.layerFigures(layer), to: "figures-minilm", prefix: "full-") }
        let lora = try FigureFixtures.analyzeMiniLM(folder, prefix: "lora")
        try write(FigureCatalog.familyFigures(lora), to: "figures-minilm", prefix: "lora-")
        for layer in lora.layers { try write(FigureCatalog.layerFigures(layer), to: "figures-minilm", prefix: "lora-") }
    }
}
