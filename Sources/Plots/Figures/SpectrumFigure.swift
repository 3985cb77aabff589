import Analysis
import Foundation

extension Figure {
    /// Figure 1 — the pretrained spectrum with its SMILE zones, beside the spectra of the updates.
    ///
    /// Left: σᵢ(W_pre) on a log axis with the top zone (1…k) and the middle zone (k+1…r) shaded and
    /// labelled; the tail zone is the null space, which has no σ, so its size is written as text (and the
    /// low cut of a 4-way split, when there is one, is a dashed line). Right: σᵢ(ΔW) of every task on a
    /// log axis, labelled with ‖ΔW‖/‖W‖; an update whose spectrum was computed only as deep as the report
    /// reads (``UpdateSpectrum/Computation/leading``) ends in a triangle at its depth + 1, at the height
    /// √(uncaptured energy) that no later σ can exceed.
    public static func spectrum(_ layer: LayerAnalysis, width: Double = 1100, height: Double = 480) -> Figure {
        var figure = Figure(width: width, height: height, title: "\(layer.name)  (\(layer.rows)×\(layer.columns))", rows: 1, columns: 2)
        figure.add(.axes(pretrainedSpectrumAxes(layer)))
        figure.add(.axes(updateSpectraAxes(layer)))
        return figure
    }

    static func pretrainedSpectrumAxes(_ layer: LayerAnalysis) -> Axes {
        let sigma = layer.baseSingularValues
        let r = sigma.count, k = min(layer.topRank, r)
        var axes = Axes(title: "Pretrained spectrum σᵢ(W_pre) and SMILE zones", xLabel: "singular direction i",
                        yLabel: "σᵢ", yScale: .log10, legend: .hidden)
        axes.xLimits = 0.5...(Double(max(r, 1)) + 0.5)
        let positive = sigma.filter { $0 > 0 }
        if let top = positive.max(), let bottom = positive.min() {
            let span = max(top / bottom, 10)
            // Room above the curve for the zone labels.
            axes.yLimits = bottom / pow(span, 0.04)...top * pow(span, 0.22)
        }
        if k > 0 {
            axes.add(.band(Band(from: 0.5, to: Double(k) + 0.5, label: "top: k = \(k)", color: FigureLabels.ZoneColor.top, opacity: 0.18)))
        }
        if r > k {
            axes.add(.band(Band(from: Double(k) + 0.5, to: Double(r) + 0.5, label: "middle: \(r - k) directions",
                                color: FigureLabels.ZoneColor.middle, opacity: 0.14)))
        }
        if let fourWay = layer.zonesFourWay, fourWay.leftCuts.count == 2, fourWay.leftCuts[1] > k, fourWay.leftCuts[1] < r {
            let cut = fourWay.leftCuts[1]
            axes.add(.reference(ReferenceLine(x: Double(cut) + 0.5, label: "low cut: \(cut)", color: FigureLabels.ZoneColor.tail, width: 1.2)))
        }
        axes.add(.line(Line(y: sigma, start: 1, label: "σᵢ(W_pre)", color: .black, width: 1.8)))
        let leftNull = layer.rows - r, rightNull = layer.columns - r
        let note = leftNull == 0 && rightNull == 0
            ? "tail (null space): empty — square weight"
            : "tail (null space, σ = 0): \(leftNull) output × \(rightNull) input directions"
        if let limits = axes.yLimits {
            axes.add(.text(TextAnnotation(note, x: Double(r) + 0.5, y: limits.upperBound, dx: -6, dy: -24, alignment: .right,
                                          color: FigureLabels.ZoneColor.tail.mixed(with: .black, by: 0.35))))
        }
        return axes
    }

    static func updateSpectraAxes(_ layer: LayerAnalysis) -> Axes {
        var axes = Axes(title: "Update spectra σᵢ(ΔW)" + (FigureLabels.taskLabels(layer.taskNames, maxLength: layer.tasks.count <= 3 ? 40 : 24).common.map { " · tasks \($0)" } ?? ""), xLabel: "singular direction i", yLabel: "σᵢ(ΔW)", yScale: .log10,
                        legend: .below)
        var all: [Double] = []
        var counts: [Int] = []
        // Few tasks: full names with their relative norms; many: short unique names only.
        let few = layer.tasks.count <= 3
        let names = FigureLabels.taskLabels(layer.taskNames, maxLength: few ? 40 : 24)
        for (t, task) in layer.tasks.enumerated() {
            let values = task.spectrum.singularValues
            let positive = values.filter { $0 > 0 }
            let name = names.isIndexed ? task.task : names.labels[t]
            let label = task.energy.isZeroUpdate || positive.isEmpty
                ? "\(name) (zero update)"
                : few ? "\(name) (‖ΔW‖/‖W‖ \(FigureLabels.percent(task.spectrum.relativeNorm)))" : name
            // Values 10⁵ below the largest are round-off (float32) of a lower-rank update: not drawn.
            let floor = (positive.max() ?? 0) * 1e-5
            let shown = values.map { $0 > floor ? $0 : .nan }
            all += shown.filter(\.isFinite)
            counts.append(shown.lastIndex { $0.isFinite }.map { $0 + 1 } ?? 0)
            let marker: MarkerShape? = shown.filter(\.isFinite).count <= 24 ? .circle : nil
            axes.add(.line(Line(y: shown, start: 1, label: label, color: Palette.color(t), width: 1.8,
                                dash: FigureLabels.taskDash(t), marker: marker, markerSize: 4.5)))
            // A leading spectrum stops at its depth k: the energy it left uncaptured bounds every later σ
            // (σ_{k+1}² ≤ Σ_{j>k} σⱼ² ≤ uncaptured), drawn as its own mark at k + 1.
            let spectrum = task.spectrum
            if spectrum.computation == .leading, spectrum.uncapturedEnergy > 0, spectrum.norm > 0 {
                let ceiling = spectrum.uncapturedEnergy.squareRoot(), depth = values.count
                let share = spectrum.uncapturedEnergy / (spectrum.norm * spectrum.norm)
                axes.add(.scatter(Scatter(x: [Double(depth + 1)], y: [ceiling],
                                          label: "\(name): σ beyond \(depth) ≤ √(uncaptured), \(share < 1e-4 ? "< 0.01%" : FigureLabels.percent(share)) of ‖ΔW‖²",
                                          color: Palette.color(t), marker: .triangle, size: 8)))
                all.append(ceiling)
                counts[counts.count - 1] = depth + 1
            }
        }
        if let top = all.max(), let bottom = all.min(), top > 0 {
            let span = max(top / bottom, 10)
            axes.yLimits = bottom / pow(span, 0.04)...top * pow(span, 0.04)
        }
        // Low-rank (LoRA) spectra next to full ones: a log x axis shows both.
        let longest = counts.max() ?? 1, shortest = counts.filter { $0 > 0 }.min() ?? 1
        if longest >= 20 && shortest * 5 < longest {
            axes.xScale = .log10
            axes.xLimits = 0.8...(Double(longest) * 1.25)
        } else {
            axes.xLimits = 0.5...(Double(max(longest, 1)) + 0.5)
        }
        return axes
    }
}
