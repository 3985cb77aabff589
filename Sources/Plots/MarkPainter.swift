import Foundation

/// Draws the marks of an ``Axes`` into its plot area, and places the inline labels of bands and
/// reference lines and the text annotations so that they do not collide with each other.
struct MarkPainter {
    let canvas: Canvas
    let plot: Rect
    let x: AxisMapping
    let y: AxisMapping

    // MARK: Data marks (drawn clipped to the plot area)

    /// Draws a band's fill.
    func draw(_ band: Band) {
        let x0 = x.position(min(band.from, band.to)) ?? plot.minX
        let x1 = x.position(max(band.from, band.to)) ?? plot.minX
        canvas.fill(Rect(x: x0, y: plot.minY, width: x1 - x0, height: plot.height), color: band.color.withAlpha(band.opacity))
    }

    /// Draws a line, split at points that cannot be drawn, then its markers.
    func draw(_ line: Line) {
        let color = line.color ?? .black
        var pieces: [[(x: Double, y: Double)]] = [[]]
        for (px, py) in zip(line.x, line.y) {
            if let u = x.position(px), let v = y.position(py) {
                pieces[pieces.count - 1].append((u, v))
            } else if !pieces[pieces.count - 1].isEmpty {
                pieces.append([])
            }
        }
        for piece in pieces {
            canvas.polyline(piece, color: color, width: line.width, dash: line.dash.pattern(width: line.width),
                            roundCaps: line.dash == .dotted)
        }
        guard let marker = line.marker else { return }
        for point in pieces.joined() {
            canvas.marker(marker, x: point.x, y: point.y, size: line.markerSize, color: color)
        }
    }

    /// Draws scatter markers.
    func draw(_ scatter: Scatter) {
        for (px, py) in zip(scatter.x, scatter.y) {
            guard let u = x.position(px), let v = y.position(py) else { continue }
            canvas.marker(scatter.marker, x: u, y: v, size: scatter.size, color: (scatter.color ?? .black).withAlpha(0.9))
        }
    }

    /// Draws a reference line across the plot.
    func draw(_ line: ReferenceLine) {
        let dash = line.dash.pattern(width: line.width)
        switch line.orientation {
        case .vertical:
            guard let u = x.position(line.value) else { return }
            canvas.line(u, plot.minY, u, plot.maxY, color: line.color, width: line.width, dash: dash)
        case .horizontal:
            guard let v = y.position(line.value) else { return }
            canvas.line(plot.minX, v, plot.maxX, v, color: line.color, width: line.width, dash: dash)
        }
    }

    /// Draws grouped or stacked bars, then their marker ticks.
    func draw(_ chart: BarChart) {
        let count = Double(max(chart.series.count, 1))
        var markers: [(left: Double, right: Double, value: Double)] = []
        for i in chart.categories.indices {
            let start = Double(i) - chart.barWidth / 2
            var positive = 0.0, negative = 0.0
            for (j, series) in chart.series.enumerated() {
                let value = series.values[i]
                guard value.isFinite else { continue }
                let (left, width): (Double, Double) = chart.layout == .grouped
                    ? (start + Double(j) * chart.barWidth / count, chart.barWidth / count)
                    : (start, chart.barWidth)
                var base = 0.0
                if chart.layout == .stacked {
                    base = value >= 0 ? positive : negative
                    if value >= 0 { positive += value } else { negative += value }
                }
                let x0 = x.clampedPosition(left), x1 = x.clampedPosition(left + width)
                let y0 = y.clampedPosition(base), y1 = y.clampedPosition(base + value)
                let rect = Rect(x: x0, y: min(y0, y1), width: x1 - x0, height: abs(y1 - y0))
                canvas.fill(rect, color: series.color ?? .black)
                if chart.layout == .stacked && rect.height > 2 {
                    canvas.line(x0, y1, x1, y1, color: .white, width: 1)
                }
                if let marker = series.markers?[i] {
                    markers.append(chart.layout == .grouped ? (left, left + width, marker) : (start, start + chart.barWidth, marker))
                }
            }
        }
        for marker in markers {
            guard let v = y.position(marker.value) else { continue }
            let overhang = (x.clampedPosition(marker.right) - x.clampedPosition(marker.left)) * 0.08
            let x0 = x.clampedPosition(marker.left) - overhang, x1 = x.clampedPosition(marker.right) + overhang
            canvas.line(x0, v, x1, v, color: Color.white.withAlpha(0.85), width: 4.6)
            canvas.line(x0, v, x1, v, color: chart.markerColor, width: 2.4)
        }
    }

    // MARK: Labels (drawn unclipped, kept inside the plot area)

    /// Writes text annotations at their points, band labels along the top and reference-line labels
    /// next to their lines; each band or line label is shifted down until it overlaps no other label.
    func drawLabels(_ marks: [Mark]) {
        let font = Style.inlineLabelFont
        let height = canvas.lineHeight(font)
        var placed: [Rect] = []
        func place(_ text: String, candidates: [(x: Double, y: Double)], color: Color) {
            let width = min(canvas.width(of: text, font: font), plot.width - 4)
            let text = canvas.ellipsized(text, maxWidth: width + 0.5, font: font)
            var chosen: Rect?
            search: for step in 0..<8 {
                for candidate in candidates {
                    let rect = clampedIntoPlot(Rect(x: candidate.x, y: candidate.y + Double(step) * (height + 2),
                                                    width: width, height: height))
                    if !placed.contains(where: { $0.intersects(rect.inset(top: -3, left: -4, bottom: -3, right: -4)) }) {
                        chosen = rect
                        break search
                    }
                }
            }
            let rect = chosen ?? clampedIntoPlot(Rect(x: candidates[0].x, y: candidates[0].y, width: width, height: height))
            placed.append(rect)
            canvas.fill(rect.inset(top: -1, left: -2, bottom: -1, right: -2), color: Color.white.withAlpha(0.75))
            canvas.text(text, x: rect.minX, y: rect.minY, font: font, color: color, vertical: .top)
        }
        // Annotations sit at their data points; inline labels move out of their way.
        var annotations: [(TextAnnotation, Rect)] = []
        for case .text(let note) in marks {
            guard let u = x.position(note.x), let v = y.position(note.y) else { continue }
            let width = canvas.width(of: note.text, font: font)
            let left: Double = switch note.alignment {
            case .left: u + note.dx
            case .center: u + note.dx - width / 2
            case .right: u + note.dx - width
            }
            let top = note.dy >= 0 ? v - note.dy - height : v - note.dy
            let rect = clampedIntoPlot(Rect(x: left, y: top, width: width, height: height))
            placed.append(rect)
            annotations.append((note, rect))
        }
        let top = plot.minY + 4
        for case .band(let band) in marks {
            guard let label = band.label else { continue }
            let x0 = x.position(min(band.from, band.to)) ?? plot.minX
            let x1 = x.position(max(band.from, band.to)) ?? plot.minX
            let width = canvas.width(of: label, font: font)
            let color = band.color.mixed(with: .black, by: 0.45).withAlpha(1)
            let centred = (x0 + x1) / 2 - width / 2
            place(label, candidates: width <= x1 - x0 - 4 ? [(centred, top)] : [(max(x0, plot.minX) + 3, top)], color: color)
        }
        for case .reference(let line) in marks {
            guard let label = line.label else { continue }
            let width = canvas.width(of: label, font: font)
            let color = line.color.withAlpha(1)
            switch line.orientation {
            case .vertical:
                guard let u = x.position(line.value) else { continue }
                place(label, candidates: [(u + 5, top), (u - 5 - width, top)], color: color)
            case .horizontal:
                guard let v = y.position(line.value) else { continue }
                place(label, candidates: [(plot.maxX - 4 - width, v - height - 3), (plot.maxX - 4 - width, v + 3)], color: color)
            }
        }
        for (note, rect) in annotations {
            canvas.text(note.text, x: rect.minX, y: rect.minY, font: font, color: note.color, vertical: .top)
        }
    }

    private func clampedIntoPlot(_ rect: Rect) -> Rect {
        var rect = rect
        rect.x = min(max(rect.x, plot.minX + 2), plot.maxX - 2 - rect.width)
        rect.y = min(max(rect.y, plot.minY + 2), plot.maxY - 2 - rect.height)
        return rect
    }
}
