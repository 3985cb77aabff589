import Analysis
import Foundation

extension Figure {
    /// Figure 3 — the 3×3 zone energy map E[a][b] = ‖P_a ΔW Q_b‖² / ‖ΔW‖² of every task as small
    /// multiples with one shared colour bar (0 … the largest share), annotated in percent. Rows are the
    /// left (output) zones, columns the right (input) zones, labelled with their sizes; blocks with no
    /// directions (a square weight has no null space) are grey.
    ///
    /// Below, the same blocks divided by the share an isotropic random update of the same norm would put
    /// there (|a|·|b| / m·n): white is chance, red above, blue below (the colour saturates at 2×, the
    /// number does not).
    public static func energyMaps(_ layer: LayerAnalysis, width: Double? = nil, height: Double? = nil) -> Figure {
        energyMaps(ZoneEnergyTable(layer: layer), width: width, height: height)
    }

    /// Figure 3 for a whole model: every layer's map weighted by the task's ‖ΔW‖² in that layer.
    public static func energyMaps(_ report: FamilyReport, width: Double? = nil, height: Double? = nil) -> Figure {
        energyMaps(ZoneEnergyTable(report: report), width: width, height: height)
    }

    static func energyMaps(_ table: ZoneEnergyTable, width: Double?, height: Double?) -> Figure {
        let names = FigureLabels.taskLabels(table.tasks, maxLength: 24)
        let titles = names.isIndexed ? table.tasks : names.labels
        func tile(_ t: Int, _ value: (Int, Int) -> Double, format: NumberFormat) -> Heatmap {
            let values = (0..<3).map { a in (0..<3).map { b in table.isEmptyBlock[a][b] ? Double.nan : value(a, b) } }
            return Heatmap(values: values, rowLabels: table.rowLabels, columnLabels: table.columnLabels,
                           title: titles[t] + (table.isZero[t] ? " · zero update" : ""), annotationFormat: format)
        }
        let shares = table.tasks.indices.map { t in tile(t, { table.energy[t][$0][$1] }, format: .percent(1)) }
        let ratioValues = table.tasks.indices.map { t in
            (0..<3).map { a in
                (0..<3).map { b -> Double in
                    let base = table.baseline[t][a][b]
                    guard base > 0, !table.isZero[t] else { return .nan }
                    let ratio = table.energy[t][a][b] / base
                    return ratio < 0.005 ? 0 : ratio
                }
            }
        }
        let largestRatio = ratioValues.joined().joined().filter(\.isFinite).max() ?? 0
        let ratios = table.tasks.indices.map { t in
            tile(t, { ratioValues[t][$0][$1] }, format: largestRatio < 10 ? .fixed(2) : .automatic)
        }
        let largest = shares.flatMap { $0.values.joined() }.filter(\.isFinite).max() ?? 0
        let count = table.tasks.count
        let columns = count <= 4 ? count : (count + 1) / 2
        let rows = (count + columns - 1) / columns
        let gridWidth = 190 + Double(columns) * 290.0
        let gridHeight = 130 + Double(rows) * 265.0
        var figure = Figure(width: width ?? max(gridWidth, 800), height: height ?? max(2 * gridHeight, 700),
                            title: "Zone energy maps · \(table.subject)")
        let xLabel = "input zone b (right singular vectors V of W_pre)" + (names.common.map { "   ·   tasks: \($0)" } ?? "")
        figure.add(.heatmapGrid(HeatmapGrid(
            maps: shares, columns: columns, title: "Share of ‖ΔW‖² in each block  E[a][b] = ‖P_a ΔW Q_b‖² / ‖ΔW‖²",
            xLabel: xLabel, yLabel: "output zone a (U of W_pre)", colormap: .viridis,
            range: 0...max(largest, 1e-12), colorBarLabel: "share of ‖ΔW‖²")), at: .frame(Rect(x: 0, y: 0, width: 1, height: 0.5)))
        figure.add(.heatmapGrid(HeatmapGrid(
            maps: ratios, columns: columns, title: "The same ÷ a random update's share |a|·|b| / m·n   (1 = chance)",
            xLabel: xLabel, yLabel: "output zone a (U of W_pre)", colormap: .blueRed,
            range: 0...2, colorBarLabel: "× chance")), at: .frame(Rect(x: 0, y: 0.5, width: 1, height: 0.5)))
        return figure
    }
}
