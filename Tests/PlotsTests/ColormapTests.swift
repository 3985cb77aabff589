import Plots
import Testing

/// Whether two colours agree within `tolerance` per 0…1 component.
func close(_ a: Color, _ b: Color, tolerance: Double = 1.5 / 255) -> Bool {
    abs(a.red - b.red) <= tolerance && abs(a.green - b.green) <= tolerance && abs(a.blue - b.blue) <= tolerance
}

@Suite struct ColormapTests {
    @Test func viridisEndpointsAndMiddle() {
        #expect(close(Colormap.viridis.color(at: 0), Color(hex: 0x440154)))
        #expect(close(Colormap.viridis.color(at: 1), Color(hex: 0xfde725)))
        #expect(close(Colormap.viridis.color(at: 0.5), Color(hex: 0x21918c)))
        #expect(close(Colormap.viridis.color(at: -3), Color(hex: 0x440154)), "clamped below")
        #expect(close(Colormap.viridis.color(at: 7), Color(hex: 0xfde725)), "clamped above")
    }

    @Test func viridisLuminanceIncreases() {
        let luminances = (0...20).map { Colormap.viridis.color(at: Double($0) / 20).relativeLuminance }
        #expect(zip(luminances, luminances.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test func divergingMapIsCentredOnNearWhite() {
        let map = Colormap.blueRed
        #expect(map.isDiverging)
        #expect(close(map.color(at: 0.5), Color(hex: 0xf7f7f7)))
        #expect(map.color(at: 0).blue > map.color(at: 0).red, "negative end is blue")
        #expect(map.color(at: 1).red > map.color(at: 1).blue, "positive end is red")
        #expect(close(map.color(for: 0, in: -2...2), Color(hex: 0xf7f7f7)))
        #expect(close(map.reversed.color(at: 0), map.color(at: 1)))
    }

    @Test func paletteHasTenDistinguishableColours() {
        let colors = Palette.tab10
        #expect(colors.count == 10)
        for i in colors.indices {
            for j in colors.indices where j > i {
                let a = colors[i], b = colors[j]
                let distance = abs(a.red - b.red) + abs(a.green - b.green) + abs(a.blue - b.blue)
                #expect(distance > 0.25, "colours \(i) and \(j) are too similar")
            }
        }
        #expect(Palette.color(10) == Palette.color(0))
    }

    @Test func textColourContrastsWithTheCell() {
        #expect(Colormap.viridis.color(at: 1).contrastingTextColor == .black)
        #expect(Colormap.viridis.color(at: 0).contrastingTextColor == .white)
        #expect(Colormap.viridis.color(at: 0.35).contrastingTextColor == .white)
        #expect(Colormap.blueRed.color(at: 0.5).contrastingTextColor == .black)
    }
}
