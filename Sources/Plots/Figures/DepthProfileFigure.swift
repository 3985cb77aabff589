import Analysis
import Foundation

extension Figure {
    /// Figure 5 — the depth profile of a whole model: E_I (top × top), E_II+III and ‖ΔW‖/‖W‖ of every
    /// analysed layer in model order, in three stacked panels sharing the x axis, one line per task.
    ///
    /// Module kinds are parsed from the layer names (``ModuleKind``): attention projections get a marker
    /// per kind (q ▲, k ■, v ◆, o ●), MLP layers a shaded background; ticks read `L3 q`, `L3 up`, … and
    /// are thinned out by the axis when there are many layers. Nil when the report has no 2-D layers.
    public static func depthProfile(_ report: FamilyReport, width: Double? = nil, height: Double = 880) -> Figure? {
        let layers = ModuleKind.modelOrder(report.layers)
        guard !layers.isEmpty else { return nil }
        let tasks = report.taskNames
        let n = layers.count
        let kinds = layers.map { ModuleKind(layerName: $0.name) }
        let ticks = layers.map { ModuleKind.tickLabel($0.name) }
        let x = (0..<n).map(Double.init)
        let width = width ?? min(2400, max(1000, 260 + Double(n) * 16))

        func series(_ read: (LayerAnalysis.TaskResult) -> Double) -> [[Double]] {
            tasks.indices.map { t in
                layers.map { layer in
                    guard t < layer.tasks.count, !layer.tasks[t].energy.isZeroUpdate else { return .nan }
                    return read(layer.tasks[t])
                }
            }
        }
        let panels: [(title: String, yLabel: String, values: [[Double]])] = [
            ("E_I: share of ‖ΔW‖² in top × top (zone I of both sides)", "E_I", series { $0.energy.top }),
            ("E_II+III: share of ‖ΔW‖² with neither side in the top zone", "E_II+III", series { $0.energy.middlePlusTail }),
            ("Relative update size ‖ΔW‖ / ‖W_pre‖", "‖ΔW‖ / ‖W‖", series { $0.spectrum.relativeNorm }),
        ]
        let shapes: [ModuleKind: MarkerShape] = [.query: .triangle, .key: .square, .value: .diamond, .output: .circle]
        let markerSize = n > 60 ? 4.5 : 6.0
        let presentKinds = [ModuleKind.query, .key, .value, .output].filter(kinds.contains)

        // Equal plot heights: the last panel also holds the tick labels, the x label and the legend.
        let title = 34.0, overhead = 72.0
        let tickHeight = n <= 16 ? 16.0 : 58.0
        let perRow = max(1, Int((width - 40) / 230))
        let legendRows = Double((tasks.count + presentKinds.count + perRow - 1) / perRow)
        let extra = tickHeight - 14 + 22 + 12 + legendRows * 19.5
        let area = height - title - 8
        let plot = max(60, (area - 3 * overhead - extra) / 3)
        let fractions = [(overhead + plot) / area, (overhead + plot) / area, (overhead + plot + extra) / area]

        var figure = Figure(width: width, height: height,
                            title: "Depth profile · \(tasks.count) task\(tasks.count == 1 ? "" : "s") over \(n) layers")
        var top = 0.0
        for (p, panel) in panels.enumerated() {
            let isLast = p == panels.count - 1
            var axes = Axes(title: panel.title, xLabel: isLast ? "layer, in model order (L = block; shaded: MLP)" : nil,
                            yLabel: panel.yLabel)
            axes.xCategories = isLast ? ticks : Array(repeating: "", count: n)
            axes.legend = isLast ? .below : .hidden
            let largest = panel.values.joined().filter(\.isFinite).max() ?? 0
            let upper = min(p == 2 ? .infinity : 1.05, max(largest * 1.12, p == 2 ? 1e-4 : 0.05))
            axes.yLimits = 0...upper
            axes.yTickFormat = FigureLabels.percentFormat(upTo: upper)
            // MLP layers shaded.
            for (i, kind) in kinds.enumerated() where kind == .mlp {
                axes.add(.band(Band(from: Double(i) - 0.5, to: Double(i) + 0.5, color: .gray, opacity: 0.13)))
            }
            for (t, task) in tasks.enumerated() {
                let color = Palette.color(t)
                axes.add(.line(Line(x: x, y: panel.values[t], label: task, color: color, width: 1.7, dash: FigureLabels.taskDash(t))))
                for kind in presentKinds {
                    let indices = kinds.indices.filter { kinds[$0] == kind && panel.values[t][$0].isFinite }
                    guard !indices.isEmpty else { continue }
                    axes.add(.scatter(Scatter(x: indices.map(Double.init), y: indices.map { panel.values[t][$0] },
                                              color: color, marker: shapes[kind]!, size: markerSize)))
                }
            }
            if isLast {
                for kind in presentKinds {
                    axes.add(.scatter(Scatter(x: [], y: [], label: kind.legendName, color: Color(hex: 0x555555), marker: shapes[kind]!)))
                }
            }
            figure.add(.axes(axes), at: .frame(Rect(x: 0, y: top, width: 1, height: fractions[p])))
            top += fractions[p]
        }
        return figure
    }
}

extension ModuleKind {
    /// The kind's name in a legend.
    var legendName: String {
        switch self {
        case .query: "query (q)"
        case .key: "key (k)"
        case .value: "value (v)"
        case .output: "attention out (o)"
        case .mlp: "mlp"
        case .other: "other"
        }
    }
}
