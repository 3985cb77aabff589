/// Data-side preparation of an ``Axes`` for rendering: validation, default colours, limits, legend.
extension Axes {
    /// Throws ``PlotError/invalidData(_:)`` for inconsistent marks or limits.
    func validate() throws(PlotError) {
        func check(_ condition: Bool, _ message: @autoclosure () -> String) throws(PlotError) {
            if !condition { throw .invalidData(message()) }
        }
        func name(_ label: String?) -> String { label.map { "“\($0)”" } ?? "(unlabelled)" }
        for mark in marks {
            switch mark {
            case .line(let line):
                try check(line.x.count == line.y.count,
                          "line \(name(line.label)): x has \(line.x.count) values but y has \(line.y.count)")
            case .scatter(let scatter):
                try check(scatter.x.count == scatter.y.count,
                          "scatter \(name(scatter.label)): x has \(scatter.x.count) values but y has \(scatter.y.count)")
            case .band(let band):
                try check(band.from.isFinite && band.to.isFinite, "band \(name(band.label)) has a non-finite edge")
            case .reference(let line):
                try check(line.value.isFinite, "reference line \(name(line.label)) is not finite")
            case .bars(let chart):
                try check(chart.barWidth > 0 && chart.barWidth <= 1, "bar width must be in 0…1, got \(chart.barWidth)")
                for series in chart.series {
                    try check(series.values.count == chart.categories.count,
                              "bar series \(name(series.label)) has \(series.values.count) values for \(chart.categories.count) categories")
                    try check(series.markers.map { $0.count == chart.categories.count } ?? true,
                              "bar series \(name(series.label)) has \(series.markers?.count ?? 0) markers for \(chart.categories.count) categories")
                }
                if let categories = xCategories {
                    try check(categories.count == chart.categories.count,
                              "xCategories has \(categories.count) names but a bar chart has \(chart.categories.count) categories")
                }
            case .text:
                break
            }
        }
        for (axis, limits, scale) in [("x", xLimits, xScale), ("y", yLimits, yScale)] {
            guard let limits else { continue }
            try check(limits.lowerBound.isFinite && limits.upperBound.isFinite && limits.lowerBound < limits.upperBound,
                      "\(axis) limits \(limits) must be finite and non-empty")
            try check(scale == .linear || limits.lowerBound > 0, "\(axis) limits \(limits) must be positive on a log axis")
        }
    }

    /// The marks with every missing colour filled from ``Palette/tab10``, in order of appearance.
    func marksWithColors() -> [Mark] {
        var next = 0
        func take(_ color: Color?) -> Color {
            if let color { return color }
            defer { next += 1 }
            return Palette.color(next)
        }
        return marks.map { mark in
            switch mark {
            case .line(var line):
                line.color = take(line.color)
                return .line(line)
            case .scatter(var scatter):
                scatter.color = take(scatter.color)
                return .scatter(scatter)
            case .bars(var chart):
                for i in chart.series.indices { chart.series[i].color = take(chart.series[i].color) }
                return .bars(chart)
            default:
                return mark
            }
        }
    }

    /// The category names of the x axis, or nil for a numeric x axis.
    var categories: [String]? {
        if let xCategories { return xCategories }
        for case .bars(let chart) in marks { return chart.categories }
        return nil
    }

    /// The x limits: explicit, the category slots, or fitted to the marks.
    func resolvedXLimits() -> ClosedRange<Double> {
        if let categories { return -0.5...(Double(max(categories.count, 1)) - 0.5) }
        if let xLimits { return xLimits }
        var values: [Double] = []
        for mark in marks {
            switch mark {
            case .line(let line): values += line.x
            case .scatter(let scatter): values += scatter.x
            case .band(let band): values += [band.from, band.to]
            case .reference(let line) where line.orientation == .vertical: values.append(line.value)
            case .text(let text): values.append(text.x)
            default: break
            }
        }
        return AxisMapping.automaticLimits(values, scale: xScale, stickyZero: false)
    }

    /// The y limits: explicit or fitted to the marks (bars always include their base at 0).
    func resolvedYLimits() -> ClosedRange<Double> {
        if let yLimits { return yLimits }
        var values: [Double] = []
        var hasBars = false
        for mark in marks {
            switch mark {
            case .line(let line): values += line.y
            case .scatter(let scatter): values += scatter.y
            case .reference(let line) where line.orientation == .horizontal: values.append(line.value)
            case .text(let text): values.append(text.y)
            case .bars(let chart):
                hasBars = true
                values.append(0)
                for series in chart.series { values += series.markers?.compactMap { $0 } ?? [] }
                switch chart.layout {
                case .grouped:
                    for series in chart.series { values += series.values }
                case .stacked:
                    for i in chart.categories.indices {
                        let column = chart.series.map { $0.values[i] }.filter(\.isFinite)
                        values.append(column.filter { $0 > 0 }.reduce(0, +))
                        values.append(column.filter { $0 < 0 }.reduce(0, +))
                    }
                }
            default: break
            }
        }
        return AxisMapping.automaticLimits(values, scale: yScale, stickyZero: hasBars)
    }

    /// Legend rows for the labelled marks (bands and reference lines are labelled inline instead).
    static func legendEntries(for marks: [Mark]) -> [LegendEntry] {
        var entries: [LegendEntry] = []
        for mark in marks {
            switch mark {
            case .line(let line):
                if let label = line.label {
                    entries.append(LegendEntry(label: label, swatch: .line(line.color ?? .black, width: line.width,
                                                                          dash: line.dash, marker: line.marker)))
                }
            case .scatter(let scatter):
                if let label = scatter.label {
                    entries.append(LegendEntry(label: label, swatch: .marker(scatter.color ?? .black, scatter.marker)))
                }
            case .bars(let chart):
                for series in chart.series {
                    if let label = series.label {
                        entries.append(LegendEntry(label: label, swatch: .patch(series.color ?? .black)))
                    }
                }
                if let label = chart.markerLabel {
                    entries.append(LegendEntry(label: label, swatch: .tick(chart.markerColor)))
                }
            case .band, .reference, .text:
                break
            }
        }
        return entries
    }
}
