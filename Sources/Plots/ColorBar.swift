/// The vertical colour scale beside a heatmap: a gradient with ticks and labels on its right and an
/// optional rotated label.
struct ColorBar {
    static let barWidth = 16.0

    let colormap: Colormap
    let range: ClosedRange<Double>
    let label: String?

    private var ticks: AxisTicks { AxisTicks.linear(from: range.lowerBound, to: range.upperBound, target: 6) }

    /// The horizontal room the bar, its tick labels and its label take.
    func width(on canvas: Canvas) -> Double {
        let labels = ticks.labels.map { canvas.width(of: $0, font: Style.tickFont) }.max() ?? 0
        let title = label == nil ? 0 : Style.labelPad + canvas.lineHeight(Style.labelFont)
        return Self.barWidth + Style.tickLength + Style.tickPad + labels + title
    }

    /// Draws the bar with its left edge at `x`, spanning `top…top + height`.
    func draw(on canvas: Canvas, x: Double, top: Double, height: Double) {
        let bar = Rect(x: x, y: top, width: Self.barWidth, height: height)
        canvas.verticalGradient(bar, colors: (0..<256).map { colormap.color(at: Double($0) / 255) })
        canvas.stroke(bar, color: Style.spine, width: 0.8)
        let mapping = AxisMapping(scale: .linear, limits: range, start: bar.maxY, end: bar.minY)
        var labelsRight = bar.maxX
        for (tick, text) in zip(ticks.major, ticks.labels) {
            guard let y = mapping.position(tick) else { continue }
            canvas.line(bar.maxX, canvas.snap(y), bar.maxX + Style.tickLength, canvas.snap(y), color: Style.spine, width: 1)
            canvas.text(text, x: bar.maxX + Style.tickLength + Style.tickPad, y: y, font: Style.tickFont,
                        color: Style.text, vertical: .middle)
            labelsRight = max(labelsRight, bar.maxX + Style.tickLength + Style.tickPad + canvas.width(of: text, font: Style.tickFont))
        }
        if let label {
            let text = canvas.ellipsized(label, maxWidth: max(height, 40), font: Style.labelFont)
            canvas.text(text, x: labelsRight + Style.labelPad + canvas.lineHeight(Style.labelFont) / 2, y: bar.midY,
                        font: Style.labelFont, color: Style.text, horizontal: .center, vertical: .middle, angle: 90)
        }
    }
}
