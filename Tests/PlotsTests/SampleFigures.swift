import Foundation
import Plots

/// Figures for every chart kind, shaped like the domain figures built on this layer.
enum SampleFigures {
    static let runNames = (1...8).map { "codelang-finetune-lr5e-5-seed\($0)" }

    /// Residual curves of 8 runs on a log y axis with a λ* reference line.
    static var residualCurves: Figure {
        let lambdas = stride(from: 0.0, through: 1.0, by: 0.05).map { $0 }
        var axes = Axes(title: "Residual energy after projection", xLabel: "λ", yLabel: "relative residual", yScale: .log10)
        for (k, name) in runNames.enumerated() {
            let residuals = lambdas.map { 0.8 * exp(-(4 + Double(k)) * $0) + 1e-4 * Double(k + 1) }
            axes.add(.line(Line(x: lambdas, y: residuals, label: name, dash: k >= 4 ? .dashed : .solid,
                                marker: k % 2 == 0 ? .circle : nil, markerSize: 5)))
        }
        axes.add(.reference(ReferenceLine(x: 0.62, label: "λ* = 0.62")))
        axes.add(.reference(ReferenceLine(y: 1e-2, label: "tolerance 1%", color: Color(hex: 0xd62728))))
        return Figure(.axes(axes))
    }

    /// A singular-value spectrum with shaded zones.
    static var spectrum: Figure {
        let sigma = (1...64).map { 3.0 * pow(Double($0), -1.3) + 1e-3 }
        var axes = Axes(title: "Update spectrum: q_proj, layer 11", xLabel: "index i", yLabel: "σᵢ", yScale: .log10)
        axes.add(.band(Band(from: 0.5, to: 12.5, label: "top k=12", color: Palette.color(0))))
        axes.add(.band(Band(from: 12.5, to: 40.5, label: "bulk", color: Palette.color(2))))
        axes.add(.band(Band(from: 40.5, to: 64.5, label: "null space", color: Palette.color(7))))
        axes.add(.line(Line(y: sigma, start: 1, label: "σᵢ(ΔW)", color: .black, marker: .circle, markerSize: 4)))
        axes.add(.text(TextAnnotation("σ₁ = \(NumberFormat.automatic.string(for: sigma[0]))", x: 1, y: sigma[0])))
        return Figure(.axes(axes))
    }

    /// Energy per task stacked by zone, with a baseline tick per bar.
    static var stackedEnergy: Figure {
        let tasks = runNames
        let top = (0..<8).map { 0.45 + 0.05 * Double($0 % 4) }
        let bulk = (0..<8).map { 0.35 - 0.03 * Double($0 % 3) }
        let rest = zip(top, bulk).map { 1 - $0 - $1 }
        var axes = Axes(title: "Energy by zone", yLabel: "fraction of ‖ΔW‖²")
        axes.yTickFormat = .percent(0)
        axes.add(.bars(BarChart(categories: tasks, series: [
            BarSeries(label: "top k", values: top, markers: (0..<8).map { $0 == 3 ? nil : 0.3 + 0.04 * Double($0) }),
            BarSeries(label: "bulk", values: bulk),
            BarSeries(label: "null space", values: rest),
        ], layout: .stacked, markerLabel: "random baseline")))
        return Figure(.axes(axes))
    }

    /// Grouped bars with short categories.
    static var groupedBars: Figure {
        var axes = Axes(title: "Rank by module", xLabel: "module", yLabel: "effective rank")
        axes.add(.bars(BarChart(categories: ["q", "k", "v", "o", "up", "down"], series: [
            BarSeries(label: "task A", values: [12, 9, 15, 11, 30, 27], markers: [10, 10, 10, 10, 25, 25]),
            BarSeries(label: "task B", values: [8, 7, 13, 10, 22, 25]),
            BarSeries(label: "task C", values: [14, 12, 9, 16, 35, 31]),
        ], markerLabel: "LoRA rank")))
        return Figure(.axes(axes))
    }

    /// Rank against energy, scatter with annotations (SMILE style).
    static var rankVersusEnergy: Figure {
        var axes = Axes(title: "SMILE: rank needed vs. energy captured", xLabel: "rank k", yLabel: "energy captured",
                        xScale: .log10)
        for (t, name) in ["math", "code", "chat"].enumerated() {
            let ks = [1.0, 2, 4, 8, 16, 32, 64, 128]
            let energy = ks.map { 1 - exp(-$0 / (6 + 10 * Double(t))) }
            axes.add(.line(Line(x: ks, y: energy, label: name, marker: .circle)))
        }
        axes.add(.reference(ReferenceLine(y: 0.9, label: "90% energy", color: .gray)))
        axes.add(.text(TextAnnotation("k = 16", x: 16, y: 1 - exp(-16 / 6.0))))
        return Figure(.axes(axes))
    }

    /// Depth profile over layers for several module kinds.
    static var depthProfile: Figure {
        var axes = Axes(title: "Update norm over depth", xLabel: "layer", yLabel: "‖ΔW‖_F")
        for (k, kind) in ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"].enumerated() {
            let offset = 0.5 + Double(k) * 0.15
            let norms: [Double] = (0..<32).map { layer in offset + 0.3 * sin(Double(layer) / 5 + Double(k)) }
            axes.add(.line(Line(y: norms, label: kind, marker: k < 4 ? nil : .square, markerSize: 4)))
        }
        return Figure(.axes(axes))
    }

    /// A 3×3 energy map.
    static let energyMapValues: [[Double]] = [[0.62, 0.08, 0.01], [0.11, 0.09, 0.02], [0.03, 0.02, 0.02]]
    static var energyMap: Figure {
        Figure(.heatmap(Heatmap(values: energyMapValues, rowLabels: ["U top", "U bulk", "U null"],
                                columnLabels: ["V top", "V bulk", "V null"], title: "Energy map: q_proj, layer 11",
                                xLabel: "right singular zone", yLabel: "left singular zone",
                                colorBarLabel: "fraction of energy")))
    }

    /// An 8×8 signed cosine matrix between tasks.
    static var cosineValues: [[Double]] {
        (0..<8).map { (i: Int) -> [Double] in
            (0..<8).map { (j: Int) -> Double in i == j ? 1 : 0.6 * sin(Double(i * 7 + j * 3)) }
        }
    }
    static var cosineMap: Figure {
        Figure(.heatmap(Heatmap(values: cosineValues, rowLabels: runNames, columnLabels: runNames,
                                title: "Task interference (cosine of updates)", colormap: .blueRed,
                                annotationFormat: .fixed(2), colorBarLabel: "cosine")))
    }

    /// Small multiples: one 3×3 map per task for 8 tasks.
    static var smallMultiples: Figure {
        let maps = runNames.enumerated().map { k, name in
            Heatmap(values: energyMapValues.map { $0.map { $0 * (1 - 0.08 * Double(k)) } },
                    rowLabels: ["top", "bulk", "null"], columnLabels: ["top", "bulk", "null"], title: name,
                    annotationFormat: .fixed(2))
        }
        return Figure(.heatmapGrid(HeatmapGrid(maps: maps, title: "Energy maps per task", xLabel: "V zone",
                                               yLabel: "U zone", colorBarLabel: "fraction of energy")))
    }

    /// Four panels in a 2×2 grid.
    static var dashboard: Figure {
        var figure = Figure(width: 1200, height: 900, title: "Run summary: codelang-finetune-lr5e-5 (8 seeds)")
        for sample in [spectrum, stackedEnergy, residualCurves, energyMap] {
            figure.add(sample.panels[0].panel)
        }
        return figure
    }

    /// Crowded panels: 32 categories with 12 legend entries, a long title on a wide log axis, an
    /// 8×8 heatmap with long names in a small panel, and signed stacked bars.
    static var stress: Figure {
        var figure = Figure(width: 900, height: 700, columns: 2)
        var crowded = Axes(title: "Per-layer energy", yLabel: "energy")
        let layers = (0..<32).map { "model.layers.\($0).self_attn.q_proj" }
        crowded.add(.bars(BarChart(categories: layers, series: (0..<12).map { s in
            BarSeries(label: "component \(s) of the decomposition",
                      values: (0..<32).map { (layer: Int) -> Double in Double((layer * 7 + s * 3) % 11 + 1) })
        }, layout: .stacked)))
        figure.add(.axes(crowded))
        var wide = Axes(title: "A deliberately long panel title that has to wrap onto a second line and then be cut short with an ellipsis because it is far too long",
                        xLabel: "learning rate", yLabel: "loss", xScale: .log10, yScale: .log10)
        let rates: [Double] = (0...24).map { (i: Int) -> Double in pow(10, Double(i) / 2 - 6) }
        let losses: [Double] = rates.map { (rate: Double) -> Double in 1e-3 + 1 / (1 + rate) }
        wide.add(.scatter(Scatter(x: rates, y: losses, label: "runs")))
        figure.add(.axes(wide))
        figure.add(.heatmap(Heatmap(values: cosineValues, rowLabels: runNames, columnLabels: runNames,
                                    title: "Cosine", colormap: .blueRed, annotationFormat: .fixed(2))))
        var signed = Axes(title: "Signed contributions", legend: .below)
        signed.add(.bars(BarChart(categories: ["q", "k", "v", "o"], series: [
            BarSeries(label: "gain", values: [0.4, 0.2, 0.5, 0.1]),
            BarSeries(label: "loss", values: [-0.2, -0.3, -0.1, -0.25]),
        ], layout: .stacked)))
        signed.add(.reference(ReferenceLine(y: 0, label: nil, color: .black, width: 1, dash: .solid)))
        figure.add(.axes(signed))
        return figure
    }

    /// Every sample with a file name.
    static var all: [(name: String, figure: Figure)] {
        [("residual-curves", residualCurves), ("spectrum", spectrum), ("stacked-energy", stackedEnergy),
         ("grouped-bars", groupedBars), ("rank-vs-energy", rankVersusEnergy), ("depth-profile", depthProfile),
         ("energy-map", energyMap), ("cosine-map", cosineMap), ("small-multiples", smallMultiples),
         ("dashboard", dashboard), ("stress", stress)]
    }
}
