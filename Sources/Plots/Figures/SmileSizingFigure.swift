import Analysis
import Foundation

extension Figure {
    /// Figure 6 — SMILE expert sizing of one layer. Left: the share of ‖ΔWᵢ‖² a rank-k expert keeps,
    /// against k (log axis), with each task's chosen rank (the smallest k keeping `options.expertEnergy`)
    /// marked. Right: each expert's parameters k·(m + n) plus its router row (n), against the base layer's
    /// m·n.
    public static func smileSizing(_ layer: LayerAnalysis, width: Double = 1100, height: Double = 500) -> Figure {
        let energy = layer.options.expertEnergy
        let names = FigureLabels.taskLabels(layer.taskNames, maxLength: 16)
        let r = max(layer.rank, 1)
        let many = layer.tasks.count > 3

        var curves = Axes(title: "Energy kept by a rank-k expert  (◆ chosen k, dotted: \(FigureLabels.percent(energy)))",
                          xLabel: "expert rank k", yLabel: "share of ‖ΔWᵢ‖² kept", xScale: r >= 20 ? .log10 : .linear)
        curves.xLimits = r >= 20 ? 0.8...(Double(r) * 1.25) : 0.5...(Double(r) + 0.5)
        curves.yLimits = 0...1.04
        curves.yTickFormat = .percent(0)
        curves.add(.reference(ReferenceLine(y: energy, color: .gray, width: 1.2, dash: .dotted)))
        curves.add(.reference(ReferenceLine(x: Double(r), label: "r = \(r)", color: .gray, width: 1, dash: .dotted)))
        for (t, task) in layer.tasks.enumerated() {
            let curve = task.spectrum.energyCurve
            let k = task.expertRank
            let label = names.legend(t, name: task.task) + (curve.isEmpty ? " (zero update)" : ": k = \(k)")
            curves.add(.line(Line(y: curve, start: 1, label: label, color: Palette.color(t), width: 1.9, dash: FigureLabels.taskDash(t))))
            if k >= 1, k <= curve.count {
                curves.add(.scatter(Scatter(x: [Double(k)], y: [curve[k - 1]], color: Palette.color(t), marker: .diamond, size: 10)))
            }
        }
        curves.legend = .below

        let m = layer.rows, n = layer.columns
        let base = Double(m * n)
        let parameters = layer.tasks.map { Double($0.expertRank * (m + n) + n) }
        var costs = Axes(title: "Parameters of each expert: k·(m+n) + router n",
                         xLabel: names.common.map { "task (\($0))" } ?? "task", yLabel: "parameters")
        // One series per task (its own colour, the key is the legend on the left).
        costs.add(.bars(BarChart(categories: names.labels, series: layer.tasks.indices.map { t in
            BarSeries(values: parameters.indices.map { $0 == t ? parameters[t] : 0 }, color: Palette.color(t))
        }, layout: .stacked, barWidth: layer.tasks.count == 1 ? 0.36 : 0.62)))
        let count = Double(layer.tasks.count)
        costs.add(.line(Line(x: [-0.5, count - 0.5], y: [base, base], label: "base layer m·n = \(NumberFormat.automatic.string(for: base))",
                             color: Color(hex: 0x333333), width: 1.4, dash: .dashed)))
        costs.yLimits = 0...(max(base, parameters.max() ?? 0) * 1.15)
        costs.legend = .below
        for (i, value) in parameters.enumerated() {
            let text = many ? "k=\(layer.tasks[i].expertRank)" : "k = \(layer.tasks[i].expertRank) · \(FigureLabels.percent(value / base)) of m·n"
            costs.add(.text(TextAnnotation(text, x: Double(i), y: value, dx: 0, dy: 4, alignment: .center)))
        }

        var figure = Figure(width: width, height: height + (many ? 50 : 0),
                            title: "SMILE expert sizing · \(layer.name)  (\(m)×\(n), r = \(layer.rank))")
        figure.add(.axes(curves), at: .frame(Rect(x: 0, y: 0, width: 0.58, height: 1)))
        figure.add(.axes(costs), at: .frame(Rect(x: 0.58, y: 0, width: 0.42, height: 1)))
        return figure
    }

    /// Figure 6 for a whole model. Left: every task's expert rank per layer (model order), against the
    /// layer's full rank r. Middle: the parameter totals — the base model's analysed layers, the SMILE
    /// experts with their routers, and keeping a full copy of those layers per task. Right: energy kept
    /// (mean per-expert share) against parameter overhead, for one k in every layer and for
    /// `upscale --budget`'s per-layer allocation, so a budget can be read off.
    public static func smileSizing(_ report: FamilyReport, width: Double? = nil, height: Double = 560) -> Figure? {
        let layers = ModuleKind.modelOrder(report.layers)
        guard !layers.isEmpty else { return nil }
        let sizing = report.summary.smile
        let n = layers.count
        var ranks = Axes(title: "Expert rank per layer (keeping \(FigureLabels.percent(sizing.energy)) of each ‖ΔWᵢ‖²)",
                         xLabel: "layer, in model order (L = block)", yLabel: "expert rank k", yScale: .log10)
        ranks.xCategories = layers.map { ModuleKind.tickLabel($0.name) }
        let fullRank = layers.map { Double(max($0.rank, 1)) }
        ranks.add(.line(Line(x: (0..<n).map(Double.init), y: fullRank, label: "full rank r", color: .black, width: 1.2, dash: .dashed)))
        var smallest = Double(fullRank.min() ?? 1)
        for (t, task) in report.taskNames.enumerated() {
            let k = layers.map { layer -> Double in
                guard t < layer.tasks.count else { return .nan }
                let rank = layer.tasks[t].spectrum.rank(holding: sizing.energy)
                return rank > 0 ? Double(rank) : .nan
            }
            smallest = min(smallest, k.filter(\.isFinite).min() ?? smallest)
            ranks.add(.line(Line(x: (0..<n).map(Double.init), y: k, label: task, color: Palette.color(t), width: 1.8,
                                 dash: FigureLabels.taskDash(t), marker: n <= 40 ? .circle : nil, markerSize: 4.5)))
        }
        ranks.yLimits = max(0.7, smallest / 1.6)...(Double(fullRank.max() ?? 1) * 1.6)
        ranks.legend = .below

        let values = [Double(sizing.baseParameters), Double(sizing.expertParameters), Double(sizing.keepAllParameters)]
        let categories = ["base layers", "SMILE experts", "\(report.taskNames.count) full copies"]
        let colors = [Color(hex: 0x8c8c8c), Color(hex: 0x4c72b0), Color(hex: 0xc44e52)]
        var totals = Axes(title: "Parameters in the analysed linear layers", yLabel: "parameters")
        totals.add(.bars(BarChart(categories: categories, series: values.indices.map { i in
            BarSeries(values: values.indices.map { $0 == i ? values[i] : 0 }, color: colors[i])
        }, layout: .stacked, barWidth: 0.62)))
        totals.yLimits = 0...((values.max() ?? 1) * 1.16)
        totals.legend = .hidden
        let base = max(values[0], 1)
        for (i, value) in values.enumerated() {
            let share = i == 0 ? "" : " (\(FigureLabels.percent(value / base)) of base)"
            totals.add(.text(TextAnnotation(NumberFormat.automatic.string(for: value) + share, x: Double(i), y: value,
                                            dx: 0, dy: 4, alignment: .center)))
        }

        var figure = Figure(width: width ?? min(2600, max(1500, 1000 + Double(n) * 12)), height: height,
                            title: "SMILE expert sizing · \(report.taskNames.count) task\(report.taskNames.count == 1 ? "" : "s") over \(n) layers"
                                + "   ·   largest k/r = \(FigureLabels.percent(sizing.worstRankFraction))")
        figure.add(.axes(ranks), at: .frame(Rect(x: 0, y: 0, width: 0.5, height: 1)))
        figure.add(.axes(totals), at: .frame(Rect(x: 0.5, y: 0, width: 0.22, height: 1)))
        figure.add(.axes(tradeOff(sizing)), at: .frame(Rect(x: 0.72, y: 0, width: 0.28, height: 1)))
        return figure
    }

    /// Energy kept against overhead: uniform k (◆ at k = 1, 2, 4, 8, …) and the per-layer allocation.
    static func tradeOff(_ sizing: SmileSizing) -> Axes {
        var axes = Axes(title: "Energy kept vs parameters spent", xLabel: "overhead over the base layers (routers + experts)",
                        yLabel: "mean share of ‖ΔWᵢ‖² kept", xScale: .log10)
        axes.xTickFormat = .percent(0)
        axes.yTickFormat = .percent(0)
        let uniform = sizing.uniformCurve, allocation = sizing.allocationCurve
        // Log overhead: the small budgets, where the allocation pays most, get room.
        let overheads = (uniform + allocation).map(\.overhead).filter { $0 > 0 }
        let right = max(overheads.max() ?? 1, 1e-3)
        axes.xLimits = max((overheads.min() ?? right / 100) / 1.3, 1e-4)...(right * 1.3)
        axes.yLimits = 0...1.04
        let shown = { (curve: [RankBudgetPlan.Point]) in curve.filter { $0.overhead > 0 } }
        axes.add(.line(Line(x: shown(allocation).map(\.overhead), y: shown(allocation).map(\.energyKept), label: "k per layer (--budget)",
                            color: Color(hex: 0x55a868), width: 2.2)))
        axes.add(.line(Line(x: shown(uniform).map(\.overhead), y: shown(uniform).map(\.energyKept), label: "one k for every layer",
                            color: Color(hex: 0x8172b2), width: 1.8, dash: .dashed)))
        let marked = shown(uniform).filter { point in point.k.map { $0 & ($0 - 1) == 0 } ?? false }
        axes.add(.scatter(Scatter(x: marked.map(\.overhead), y: marked.map(\.energyKept), color: Color(hex: 0x8172b2), marker: .diamond, size: 7)))
        for point in marked where (point.k ?? 0) >= 4 {
            axes.add(.text(TextAnnotation("k=\(point.k!)", x: point.overhead, y: point.energyKept, dx: 4, dy: -12, alignment: .left)))
        }
        axes.legend = .below
        return axes
    }
}
