import Analysis
import Foundation

extension Figure {
    /// Figure 2 — where each task's update energy lands, as one stacked bar per task: top×top (E_I) at
    /// the bottom, then middle×middle (E_II) and the tail blocks (together E_II+III), then the cross blocks
    /// that mix the top zone with another. A black tick marks the share a random update of the same norm
    /// would put in top×top, and the number above each bar is E_I over that baseline.
    public static func zoneEnergy(_ layer: LayerAnalysis, width: Double = 1000, height: Double = 560) -> Figure {
        zoneEnergy(ZoneEnergyTable(layer: layer), width: width, height: height)
    }

    /// Figure 2 for a whole model: every layer's blocks weighted by the task's ‖ΔW‖² in that layer.
    public static func zoneEnergy(_ report: FamilyReport, width: Double = 1000, height: Double = 560) -> Figure {
        zoneEnergy(ZoneEnergyTable(report: report), width: width, height: height)
    }

    static func zoneEnergy(_ table: ZoneEnergyTable, width: Double, height: Double) -> Figure {
        let names = FigureLabels.taskLabels(table.tasks, maxLength: 24)
        let t = table.tasks.indices
        let many = table.tasks.count > 4
        let colors = FigureLabels.ZoneColor.self
        let chart = BarChart(categories: names.isIndexed ? table.tasks : names.labels, series: [
            BarSeries(label: "top × top  (E_I)", values: t.map(table.top), color: colors.top,
                      markers: t.map { table.isZero[$0] ? nil : table.baseline[$0][0][0] }),
            BarSeries(label: "middle × middle  (E_II)", values: t.map(table.middle), color: colors.middle),
            BarSeries(label: "blocks with a tail side  (rest of E_II+III)", values: t.map(table.tailBlocks), color: colors.tail),
            BarSeries(label: "cross: top × other, other × top", values: t.map(table.cross), color: colors.cross),
        ], layout: .stacked, barWidth: many ? 0.7 : table.tasks.count == 1 ? 0.36 : 0.6, markerLabel: "top × top share of a random update")
        var axes = Axes(title: "Energy of ΔW by zone block of W_pre · \(table.subject)"
                            + (many ? "  (above bars: E_I ÷ random)" : ""),
                        xLabel: names.common.map { "task (\($0))" } ?? "task", yLabel: "share of ‖ΔW‖²")
        axes.add(.bars(chart))
        axes.yTickFormat = .percent(0)
        axes.yLimits = 0...1.1
        axes.legend = many ? .below : .right
        for i in t {
            let text: String
            if table.isZero[i] {
                text = "zero update"
            } else if let ratio = table.topRatio(i) {
                let value = FigureLabels.ratio(ratio)
                text = many ? value : value.hasPrefix("<") ? "E_I < 0.01× random" : "E_I = \(value) random"
            } else {
                text = "E_I = \(FigureLabels.percent(table.top(i)))"
            }
            axes.add(.text(TextAnnotation(text, x: Double(i), y: table.isZero[i] ? 0 : 1, dx: 0, dy: 4, alignment: .center)))
        }
        return Figure(.axes(axes), width: width, height: height + (many ? 60 : 0))
    }
}
