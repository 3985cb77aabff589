/// A continuous map from 0…1 to colours, sampled by linear interpolation between evenly spaced stops.
public struct Colormap: Sendable {
    /// A short name, e.g. `"viridis"`.
    public let name: String
    /// Whether the map is diverging: then an automatic value range is made symmetric around zero so that
    /// 0 maps to the neutral middle colour.
    public let isDiverging: Bool
    private let stops: [Color]

    /// A colormap through `stops` (at least two), evenly spaced over 0…1.
    public init(name: String, stops: [Color], isDiverging: Bool = false) {
        precondition(stops.count >= 2, "a colormap needs at least two stops")
        self.name = name
        self.stops = stops
        self.isDiverging = isDiverging
    }

    /// The colour at `t` in 0…1 (clamped; NaN gives the low end).
    public func color(at t: Double) -> Color {
        let t = t.isNaN ? 0 : min(max(t, 0), 1)
        let position = t * Double(stops.count - 1)
        let index = min(Int(position), stops.count - 2)
        return stops[index].mixed(with: stops[index + 1], by: position - Double(index))
    }

    /// The colour of `value` on a scale where `range.lowerBound` maps to 0 and `range.upperBound` to 1.
    public func color(for value: Double, in range: ClosedRange<Double>) -> Color {
        let span = range.upperBound - range.lowerBound
        return color(at: span > 0 ? (value - range.lowerBound) / span : 0.5)
    }

    /// The same map run backwards.
    public var reversed: Colormap {
        Colormap(name: name + "_r", stops: stops.reversed(), isDiverging: isDiverging)
    }

    /// matplotlib's perceptually uniform `viridis` (dark purple #440154 → yellow #fde725), from its
    /// 256-entry table.
    public static let viridis = Colormap(
        name: "viridis",
        stops: stride(from: 0, to: viridisTable.count, by: 3).map {
            Color(red: viridisTable[$0], green: viridisTable[$0 + 1], blue: viridisTable[$0 + 2])
        })

    /// A diverging blue–white–red map (ColorBrewer RdBu, reversed as matplotlib's `RdBu_r`): negative
    /// values blue, zero near-white, positive red. For signed quantities such as cosines.
    public static let blueRed = Colormap(
        name: "RdBu_r",
        stops: [
            0x053061, 0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7,
            0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b, 0x67001f,
        ].map { Color(hex: $0) },
        isDiverging: true)
}
