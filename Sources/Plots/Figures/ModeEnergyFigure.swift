import Analysis
import Foundation

extension Figure {
    /// Figure 7 — an N-D weight (a convolution kernel) analysed per mode (HOSVD): for every mode, one
    /// stacked bar per task with the share of ‖ΔW‖² in that mode's top, middle and tail (null-space)
    /// zones. One panel per mode, titled with the mode's role, size and top-zone size kₙ.
    public static func modeEnergy(_ tensor: TensorModeAnalysis, width: Double? = nil, height: Double = 480) -> Figure {
        let names = FigureLabels.taskLabels(tensor.tasks.map(\.task), maxLength: 16)
        let labels = names.isIndexed ? tensor.tasks.map(\.task) : names.labels, common = names.common
        let shape = tensor.shape.map(String.init).joined(separator: "×")
        let modeCount = tensor.modes.count
        let panelPoints = 110 + Double(max(tensor.tasks.count, 2)) * 45
        var figure = Figure(width: width ?? max(1000, Double(modeCount) * panelPoints + 230), height: height + (tensor.tasks.count > 4 ? 60 : 0),
                            title: "Update energy per HOSVD mode · \(tensor.name)  (\(shape))")
        let colors = FigureLabels.ZoneColor.self
        // The last panel also holds the legend, so it is wider.
        let legendShare = 200 / (width ?? max(1000, Double(modeCount) * panelPoints + 230))
        let panelWidth = (1 - legendShare) / Double(max(modeCount, 1))
        for (index, mode) in tensor.modes.enumerated() {
            let energies = tensor.tasks.map { task in task.modes.first { $0.mode == mode.mode } }
            let role = switch mode.mode {
            case 0: "out"
            case 1: "in"
            default: "spatial"
            }
            let isLast = index == modeCount - 1
            var axes = Axes(title: "mode \(mode.mode) (\(role)): d=\(mode.dimension), k=\(mode.topRank)",
                            xLabel: common.map { "task (\($0))" } ?? "task", yLabel: index == 0 ? "share of ‖ΔW‖²" : nil)
            axes.add(.bars(BarChart(categories: labels, series: [
                BarSeries(label: "top zone", values: energies.map { $0?.top ?? 0 }, color: colors.top),
                BarSeries(label: "middle zone", values: energies.map { $0?.middle ?? 0 }, color: colors.middle),
                BarSeries(label: "tail (null space)", values: energies.map { $0?.tail ?? 0 }, color: colors.tail),
            ], layout: .stacked, barWidth: 0.66)))
            for (t, task) in tensor.tasks.enumerated() where !(task.norm > 0) {
                axes.add(.text(TextAnnotation("no update", x: Double(t), y: 0, dx: 0, dy: 6, alignment: .center, color: .gray)))
            }
            axes.yLimits = 0...1.04
            axes.yTickFormat = .percent(0)
            axes.legend = isLast ? .right : .hidden
            let x = Double(index) * panelWidth
            figure.add(.axes(axes), at: .frame(Rect(x: x, y: 0, width: isLast ? panelWidth + legendShare : panelWidth, height: 1)))
        }
        return figure
    }
}
