import Analysis
import Foundation

extension Figure {
    /// Figure 4 — how the tasks interfere: the interference matrix I[i][j] (how loudly task j's update
    /// answers on task i's inputs, relative to task i's own; I[i][i] = 1), the pairwise cosine of the
    /// updates on a diverging scale (−1 blue … +1 red), and the task-arithmetic residual curves
    /// Lᵢ(λ) = ‖(λ Σⱼ ΔWⱼ − ΔWᵢ)Pᵢ‖² / ‖ΔWᵢPᵢ‖² for λ ∈ [0, 1.5] with λ* marked.
    ///
    /// Nil for a single task (or when the analysis has no interference data): there is nothing to
    /// interfere.
    public static func interference(_ layer: LayerAnalysis, width: Double = 1500, height: Double = 540) -> Figure? {
        guard layer.tasks.count >= 2, let interference = layer.interference, let similarity = layer.similarity else { return nil }
        return Self.interference(interference, cosine: similarity.cosine, tasks: layer.taskNames, subject: layer.name,
                                 width: width, height: height)
    }

    /// Figure 4 for a whole model: the layers' objectives summed (one λ for the whole model) and the
    /// whole-model task-vector cosines. Nil for a single task.
    public static func interference(_ report: FamilyReport, width: Double = 1500, height: Double = 540) -> Figure? {
        guard report.taskNames.count >= 2, let interference = report.summary.interference,
              report.summary.cosine.count == report.taskNames.count else { return nil }
        return Self.interference(interference, cosine: report.summary.cosine, tasks: report.taskNames,
                                 subject: "whole model (\(report.layers.count) layers)", width: width, height: height)
    }

    static func interference(_ interference: TaskInterference, cosine: [[Double]], tasks: [String], subject: String,
                             width: Double, height: Double) -> Figure {
        let names = FigureLabels.taskLabels(tasks, maxLength: 12)
        let labels = names.labels
        let t = tasks.count
        let decimals = t <= 6 ? 2 : 1
        // Rounded to the printed precision, so that −0.001 is neither written "−0.00" nor tinted.
        func rounded(_ value: Double) -> Double {
            guard value.isFinite else { return value }
            let unit = pow(10, Double(decimals))
            let result = (value * unit).rounded() / unit
            return result == 0 ? 0 : result
        }
        let matrix = (0..<t).map { i in
            (0..<t).map { j in rounded(interference.matrix.indices.contains(i) ? (interference.matrix[i]?[j] ?? .nan) : .nan) }
        }
        let largest = matrix.joined().filter(\.isFinite).max() ?? 1
        let format: NumberFormat = .fixed(decimals)
        let interferenceMap = Heatmap(
            values: matrix, rowLabels: labels, columnLabels: labels,
            title: "Interference I[i][j] = ‖ΔWⱼPᵢ‖² / ‖ΔWᵢPᵢ‖²",
            xLabel: "update of task j", yLabel: "on the inputs Pᵢ of task i", colormap: .viridis,
            range: 0...max(1, largest), annotationFormat: format, colorBarLabel: "I[i][j]")
        let cosineMap = Heatmap(
            values: cosine.map { $0.map(rounded) }, rowLabels: labels, columnLabels: labels,
            title: "Cosine of the updates ΔWᵢ, ΔWⱼ", xLabel: "task j", yLabel: "task i", colormap: .blueRed,
            range: -1...1, annotationFormat: format, colorBarLabel: "cosine")

        var curves = Axes(title: "Task arithmetic W_pre + λ·Σⱼ ΔWⱼ: residual of each task",
                          xLabel: "λ", yLabel: "Lᵢ(λ) = ‖(λΣΔWⱼ − ΔWᵢ)Pᵢ‖² / ‖ΔWᵢPᵢ‖²")
        let lambdas = stride(from: 0.0, through: 1.5, by: 0.015).map { $0 }
        var top = 1.0
        for (position, task) in interference.all.tasks.enumerated() where task < t {
            let values = lambdas.map { interference.all.residual(at: position, lambda: $0) ?? .nan }
            top = max(top, values.filter(\.isFinite).max() ?? 0)
            let zero = values.allSatisfy(\.isNaN)
            curves.add(.line(Line(x: lambdas, y: values, label: names.legend(task, name: tasks[task]) + (zero ? " (zero update)" : ""),
                                  color: Palette.color(task), width: 1.9, dash: FigureLabels.taskDash(task))))
        }
        curves.xLimits = 0...1.5
        curves.yLimits = 0...(top * 1.04)
        curves.add(.reference(ReferenceLine(y: 1, label: "1 = update lost", color: .gray, width: 1, dash: .dotted)))
        if let star = interference.all.lambdaStar, star.isFinite {
            curves.add(.reference(ReferenceLine(x: min(max(star, 0), 1.5), label: "λ* = \(NumberFormat.fixed(2).string(for: star))")))
            for (position, value) in interference.all.residuals.enumerated() {
                let task = interference.all.tasks[position]
                guard interference.all.c[position] > 0, task < t else { continue }
                curves.add(.scatter(Scatter(x: [star], y: [value], color: Palette.color(task), marker: .circle, size: 7)))
            }
        }
        curves.legend = t > 3 || names.isIndexed ? .below : .automatic

        var figure = Figure(width: width, height: height + (t > 4 ? 40 : 0),
                            title: "Task interference · \(subject)" + (names.common.map { "   (tasks: \($0))" } ?? ""))
        figure.add(.heatmap(interferenceMap), at: .frame(Rect(x: 0, y: 0, width: 0.3, height: 1)))
        figure.add(.heatmap(cosineMap), at: .frame(Rect(x: 0.3, y: 0, width: 0.3, height: 1)))
        figure.add(.axes(curves), at: .frame(Rect(x: 0.6, y: 0, width: 0.4, height: 1)))
        return figure
    }
}
