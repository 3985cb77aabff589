import Foundation

/// Lays out and draws one ``Axes`` inside a frame: margins come from measured text so that tick
/// labels, axis labels, title and legend never clip or overlap.
struct AxesRenderer {
    let axes: Axes
    let canvas: Canvas
    let frame: Rect

    /// Everything the layout decided.
    private struct Layout {
        var plot: Rect
        var titleLines: [String]
        var x: AxisMapping
        var y: AxisMapping
        var xTicks: AxisTicks
        var yTicks: AxisTicks
        var yTickLabelWidth: Double
        var categoryLabels: CategoryLabels?
        var legend: LegendLayout?
        var legendBelow: Bool
    }

    /// Validates the axes and draws them.
    func draw() throws(PlotError) {
        try axes.validate()
        let marks = axes.marksWithColors()
        let layout = makeLayout(marks: marks)
        drawGrid(layout)
        let painter = MarkPainter(canvas: canvas, plot: layout.plot, x: layout.x, y: layout.y)
        canvas.clipped(to: layout.plot) {
            for case .band(let band) in marks { painter.draw(band) }
            for mark in marks {
                switch mark {
                case .line(let line): painter.draw(line)
                case .scatter(let scatter): painter.draw(scatter)
                case .reference(let line): painter.draw(line)
                case .bars(let chart): painter.draw(chart)
                case .band, .text: break
                }
            }
        }
        drawAxes(layout)
        painter.drawLabels(marks)
        drawTitleAndLabels(layout)
    }

    // MARK: Layout

    private func makeLayout(marks: [Mark]) -> Layout {
        let pad = Style.padding
        let tickLabelHeight = canvas.lineHeight(Style.tickFont)
        let labelHeight = canvas.lineHeight(Style.labelFont)
        let titleLines = axes.title.map {
            canvas.wrapped($0, maxWidth: frame.width - 2 * pad, font: Style.titleFont, maxLines: 2)
        } ?? []
        let titleHeight = titleLines.isEmpty ? 0 : Double(titleLines.count) * canvas.lineHeight(Style.titleFont) + Style.labelPad
        let xLabelHeight = axes.xLabel == nil ? 0 : Style.labelPad + labelHeight
        let estimatedPlotHeight = frame.height - titleHeight - 2 * pad - Style.tickLength - Style.tickPad
            - tickLabelHeight - xLabelHeight

        // Legend: one column on the right when it fits there, otherwise rows below.
        let entries = Axes.legendEntries(for: marks)
        var legend: LegendLayout?
        var legendBelow = false
        if !entries.isEmpty && axes.legend != .hidden {
            let column = LegendLayout(column: entries, maxLabelWidth: min(0.3 * frame.width, 280), canvas: canvas)
            let fitsRight = column.height <= estimatedPlotHeight && column.width <= 0.36 * frame.width
            if axes.legend == .right || (axes.legend == .automatic && fitsRight) {
                legend = column
            } else {
                legendBelow = true
            }
        }

        // Y ticks and the left margin they need.
        let yLimits = axes.resolvedYLimits()
        let yTicks = ticks(axes.yScale, yLimits, target: min(7, max(3, Int(estimatedPlotHeight / 70))), format: axes.yTickFormat)
        let yTickWidth = yTicks.labels.map { canvas.width(of: $0, font: Style.tickFont) }.max() ?? 0
        var left = pad + (axes.yLabel == nil ? 0 : labelHeight + Style.labelPad) + yTickWidth + Style.tickPad + Style.tickLength
        var right = pad + (legend.map { Style.sideGap + $0.width } ?? 0)

        // X ticks or category labels, and the bottom margin they need.
        let xLimits = axes.resolvedXLimits()
        let categories = axes.categories
        let xScale = categories == nil ? axes.xScale : .linear
        var categoryLabels: CategoryLabels?
        var xTicks = AxisTicks(major: [], minor: [], labels: [])
        if let categories {
            let slot = (frame.width - left - right) / Double(max(categories.count, 1))
            let fitted = CategoryLabels(categories, slot: slot, maxHeight: min(0.25 * frame.height, 160), canvas: canvas)
            left = max(left, pad + fitted.leftOverflow)
            categoryLabels = fitted
            xTicks = AxisTicks(major: categories.indices.map(Double.init), minor: [], labels: fitted.texts)
        } else {
            let plotWidth = frame.width - left - right
            var target = min(8, max(3, Int(plotWidth / 90)))
            while true {
                xTicks = ticks(xScale, xLimits, target: target, format: axes.xTickFormat)
                let mapping = AxisMapping(scale: xScale, limits: xLimits, start: frame.x + left, end: frame.maxX - right)
                if target <= 2 || !labelsOverlap(xTicks, mapping) { break }
                target -= 1
            }
            // Keep the outermost tick labels inside the frame.
            let mapping = AxisMapping(scale: xScale, limits: xLimits, start: frame.x + left, end: frame.maxX - right)
            var (excessLeft, excessRight) = (0.0, 0.0)
            for (tick, label) in zip(xTicks.major, xTicks.labels) {
                guard let position = mapping.position(tick) else { continue }
                let half = canvas.width(of: label, font: Style.tickFont) / 2
                excessRight = max(excessRight, position + half - (frame.maxX - pad))
                excessLeft = max(excessLeft, frame.minX + pad - (position - half))
            }
            left += excessLeft
            right += excessRight
        }
        let xTickAreaHeight = categoryLabels?.height ?? tickLabelHeight
        var bottom = pad + Style.tickLength + Style.tickPad + xTickAreaHeight + xLabelHeight
        if legendBelow {
            let below = LegendLayout(rows: entries, width: frame.width - 2 * pad, maxHeight: 0.25 * frame.height, canvas: canvas)
            legend = below
            bottom += Style.labelPad + 4 + below.height
        }
        let top = pad + titleHeight + tickLabelHeight / 2
        let plot = frame.inset(top: top, left: left, bottom: bottom, right: right)
        return Layout(
            plot: plot, titleLines: titleLines,
            x: AxisMapping(scale: xScale, limits: xLimits, start: plot.minX, end: plot.maxX),
            y: AxisMapping(scale: axes.yScale, limits: yLimits, start: plot.maxY, end: plot.minY),
            xTicks: xTicks, yTicks: yTicks, yTickLabelWidth: yTickWidth, categoryLabels: categoryLabels, legend: legend, legendBelow: legendBelow)
    }

    private func ticks(_ scale: AxisScale, _ limits: ClosedRange<Double>, target: Int, format: NumberFormat?) -> AxisTicks {
        var ticks = AxisTicks.make(scale, from: limits.lowerBound, to: limits.upperBound, target: target)
        if let format { ticks.labels = ticks.major.map { format.string(for: $0) } }
        return ticks
    }

    private func labelsOverlap(_ ticks: AxisTicks, _ mapping: AxisMapping) -> Bool {
        let spans = zip(ticks.major, ticks.labels).compactMap { tick, label -> (Double, Double)? in
            guard let position = mapping.position(tick) else { return nil }
            let half = canvas.width(of: label, font: Style.tickFont) / 2
            return (position - half, position + half)
        }
        return zip(spans, spans.dropFirst()).contains { $0.1 + 10 > $1.0 }
    }

    // MARK: Drawing

    private func drawGrid(_ layout: Layout) {
        guard axes.showsGrid else { return }
        let plot = layout.plot
        canvas.clipped(to: plot) {
            if axes.yScale == .log10 {
                for tick in layout.yTicks.minor {
                    guard let y = layout.y.position(tick) else { continue }
                    canvas.line(plot.minX, canvas.snap(y), plot.maxX, canvas.snap(y), color: Style.minorGrid, width: 1 / canvas.scale)
                }
            }
            if layout.categoryLabels == nil && layout.x.scale == .log10 {
                for tick in layout.xTicks.minor {
                    guard let x = layout.x.position(tick) else { continue }
                    canvas.line(canvas.snap(x), plot.minY, canvas.snap(x), plot.maxY, color: Style.minorGrid, width: 1 / canvas.scale)
                }
            }
            for tick in layout.yTicks.major {
                guard let y = layout.y.position(tick) else { continue }
                canvas.line(plot.minX, canvas.snap(y), plot.maxX, canvas.snap(y), color: Style.grid, width: 1 / canvas.scale)
            }
            if layout.categoryLabels == nil {
                for tick in layout.xTicks.major {
                    guard let x = layout.x.position(tick) else { continue }
                    canvas.line(canvas.snap(x), plot.minY, canvas.snap(x), plot.maxY, color: Style.grid, width: 1 / canvas.scale)
                }
            }
        }
    }

    private func drawAxes(_ layout: Layout) {
        let plot = layout.plot
        let spineWidth = 1.0
        let left = canvas.snap(plot.minX), bottom = canvas.snap(plot.maxY)
        canvas.line(left, plot.minY, left, plot.maxY + 0.5, color: Style.spine, width: spineWidth)
        canvas.line(plot.minX - 0.5, bottom, plot.maxX, bottom, color: Style.spine, width: spineWidth)
        let length = Style.tickLength
        for tick in layout.yTicks.minor {
            guard let y = layout.y.position(tick), y >= plot.minY - 0.5, y <= plot.maxY + 0.5 else { continue }
            canvas.line(left - length * 0.6, canvas.snap(y), left, canvas.snap(y), color: Style.spine, width: 1)
        }
        for (tick, label) in zip(layout.yTicks.major, layout.yTicks.labels) {
            guard let y = layout.y.position(tick), y >= plot.minY - 0.5, y <= plot.maxY + 0.5 else { continue }
            canvas.line(left - length, canvas.snap(y), left, canvas.snap(y), color: Style.spine, width: 1)
            canvas.text(label, x: left - length - Style.tickPad, y: y, font: Style.tickFont, color: Style.text,
                        horizontal: .right, vertical: .middle)
        }
        let labelTop = bottom + length + Style.tickPad
        if let categories = layout.categoryLabels {
            for i in categories.texts.indices {
                guard let x = layout.x.position(Double(i)) else { continue }
                canvas.line(canvas.snap(x), bottom, canvas.snap(x), bottom + length, color: Style.spine, width: 1)
            }
            categories.draw(on: canvas, top: labelTop) { layout.x.position(Double($0)) ?? plot.minX }
            return
        }
        for tick in layout.xTicks.minor {
            guard let x = layout.x.position(tick), x >= plot.minX - 0.5, x <= plot.maxX + 0.5 else { continue }
            canvas.line(canvas.snap(x), bottom, canvas.snap(x), bottom + length * 0.6, color: Style.spine, width: 1)
        }
        for (tick, label) in zip(layout.xTicks.major, layout.xTicks.labels) {
            guard let x = layout.x.position(tick), x >= plot.minX - 0.5, x <= plot.maxX + 0.5 else { continue }
            canvas.line(canvas.snap(x), bottom, canvas.snap(x), bottom + length, color: Style.spine, width: 1)
            canvas.text(label, x: x, y: labelTop, font: Style.tickFont, color: Style.text, horizontal: .center, vertical: .top)
        }
    }

    private func drawTitleAndLabels(_ layout: Layout) {
        let plot = layout.plot, pad = Style.padding
        let labelHeight = canvas.lineHeight(Style.labelFont)
        var y = frame.minY + pad
        for line in layout.titleLines {
            let width = canvas.width(of: line, font: Style.titleFont)
            let center = min(max(plot.midX, frame.minX + pad + width / 2), frame.maxX - pad - width / 2)
            canvas.text(line, x: center, y: y, font: Style.titleFont, color: Style.text, horizontal: .center, vertical: .top)
            y += canvas.lineHeight(Style.titleFont)
        }
        let tickArea = Style.tickLength + Style.tickPad + (layout.categoryLabels?.height ?? canvas.lineHeight(Style.tickFont))
        var below = plot.maxY + tickArea
        if let xLabel = axes.xLabel {
            let text = canvas.ellipsized(xLabel, maxWidth: frame.width - 2 * pad, font: Style.labelFont)
            canvas.text(text, x: plot.midX, y: below + Style.labelPad, font: Style.labelFont, color: Style.text,
                        horizontal: .center, vertical: .top)
            below += Style.labelPad + labelHeight
        }
        if let yLabel = axes.yLabel {
            let text = canvas.ellipsized(yLabel, maxWidth: plot.height, font: Style.labelFont)
            let x = plot.minX - Style.tickLength - Style.tickPad - layout.yTickLabelWidth - Style.labelPad - labelHeight / 2
            canvas.text(text, x: x, y: plot.midY, font: Style.labelFont,
                        color: Style.text, horizontal: .center, vertical: .middle, angle: 90)
        }
        guard let legend = layout.legend else { return }
        if layout.legendBelow {
            let x = min(max(plot.midX - legend.width / 2, frame.minX + pad), frame.maxX - pad - legend.width)
            legend.draw(on: canvas, x: x, y: below + Style.labelPad + 4)
        } else {
            legend.draw(on: canvas, x: plot.maxX + Style.sideGap, y: plot.minY)
        }
    }
}
