import Analysis

/// A figure with the file name it is written under.
public struct NamedFigure: Sendable {
    /// The file name, e.g. `spectrum-encoder.layer.0.attention.self.query.png`.
    public var fileName: String
    public var figure: Figure

    public init(fileName: String, figure: Figure) {
        self.fileName = fileName
        self.figure = figure
    }
}

/// Which figures are drawn for a layer and for a family, and the file names they get.
///
/// Per layer (the layer name made file-safe by ``FigureLabels/fileStem(_:)``):
/// `spectrum-<layer>.png` (`<layer>` without a trailing `.weight`), `zone-energy-<layer>.png`, `energy-maps-<layer>.png`,
/// `interference-<layer>.png` (T ≥ 2 only), `smile-sizing-<layer>.png`.
///
/// Per family: `model-depth-profile.png`, `model-smile-sizing.png`, `model-zone-energy.png`,
/// `model-energy-maps.png`, `model-interference.png` (T ≥ 2 only) — the layer-based ones only when
/// there are 2-D layers — and `mode-energy-<tensor>.png` for every N-D tensor.
public enum FigureCatalog {
    /// Figures 1–4 and 6 of one layer.
    public static func layerFigures(_ layer: LayerAnalysis) -> [NamedFigure] {
        let stem = FigureLabels.fileStem(layerStem(layer.name))
        var figures = [
            NamedFigure(fileName: "spectrum-\(stem).png", figure: .spectrum(layer)),
            NamedFigure(fileName: "zone-energy-\(stem).png", figure: .zoneEnergy(layer)),
            NamedFigure(fileName: "energy-maps-\(stem).png", figure: .energyMaps(layer)),
        ]
        if let interference = Figure.interference(layer) {
            figures.append(NamedFigure(fileName: "interference-\(stem).png", figure: interference))
        }
        figures.append(NamedFigure(fileName: "smile-sizing-\(stem).png", figure: .smileSizing(layer)))
        return figures
    }

    /// Figures 5 and 6 over the family, 2–4 for the whole model, and 7 for every N-D tensor.
    public static func familyFigures(_ report: FamilyReport) -> [NamedFigure] {
        var figures: [NamedFigure] = []
        if let depth = Figure.depthProfile(report) {
            figures.append(NamedFigure(fileName: "model-depth-profile.png", figure: depth))
        }
        if let sizing = Figure.smileSizing(report) {
            figures.append(NamedFigure(fileName: "model-smile-sizing.png", figure: sizing))
        }
        if !report.layers.isEmpty {
            figures.append(NamedFigure(fileName: "model-zone-energy.png", figure: .zoneEnergy(report)))
            figures.append(NamedFigure(fileName: "model-energy-maps.png", figure: .energyMaps(report)))
        }
        if let interference = Figure.interference(report) {
            figures.append(NamedFigure(fileName: "model-interference.png", figure: interference))
        }
        for tensor in report.tensors {
            figures.append(NamedFigure(fileName: "mode-energy-\(FigureLabels.fileStem(layerStem(tensor.name))).png", figure: .modeEnergy(tensor)))
        }
        return figures
    }

    /// A tensor name without its trailing `.weight`.
    static func layerStem(_ name: String) -> String {
        name.hasSuffix(".weight") && name.count > 7 ? String(name.dropLast(7)) : name
    }
}
