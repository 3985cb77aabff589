import Foundation
import Plots
import Testing

/// Pixel checks shared by the domain-figure tests: rendered size, "not blank", and counts of pixels of
/// a given colour.
enum FigureChecks {
    /// Renders `figure` and decodes the PNG.
    static func render(_ figure: Figure) throws -> DecodedPNG {
        try DecodedPNG(figure.pngData())
    }

    /// The image has the figure's size in pixels, many colours (antialiased text, lines, fills) and is
    /// neither blank nor flooded.
    static func expectReadable(_ image: DecodedPNG, _ figure: Figure, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(image.width == Int((figure.width * figure.scale).rounded()), sourceLocation: sourceLocation)
        #expect(image.height == Int((figure.height * figure.scale).rounded()), sourceLocation: sourceLocation)
        #expect(image.distinctColors > 40, "too few colours: \(image.distinctColors)", sourceLocation: sourceLocation)
        let ink = image.nonWhiteFraction
        #expect(ink > 0.04 && ink < 0.9, "non-white fraction \(ink)", sourceLocation: sourceLocation)
    }

    /// Number of pixels within `tolerance` (0…255 per channel) of `color`, optionally in columns x0..<x1.
    static func count(_ image: DecodedPNG, near color: Color, tolerance: Int = 4, columns: Range<Int>? = nil) -> Int {
        let r = Int((color.red * 255).rounded()), g = Int((color.green * 255).rounded()), b = Int((color.blue * 255).rounded())
        return count(image, columns: columns) { abs($0 - r) <= tolerance && abs($1 - g) <= tolerance && abs($2 - b) <= tolerance }
    }

    /// Number of pixels satisfying `predicate` on (r, g, b), optionally in columns x0..<x1.
    static func count(_ image: DecodedPNG, columns: Range<Int>? = nil, where predicate: (Int, Int, Int) -> Bool) -> Int {
        let xs = (columns ?? 0..<image.width).clamped(to: 0..<image.width)
        return image.pixels.withUnsafeBufferPointer { pixels in
            var total = 0
            for y in 0..<image.height {
                var i = (y * image.width + xs.lowerBound) * 4
                for _ in xs {
                    if predicate(Int(pixels[i]), Int(pixels[i + 1]), Int(pixels[i + 2])) { total += 1 }
                    i += 4
                }
            }
            return total
        }
    }

    /// `color` at `opacity` over white, as drawn for a band.
    static func overWhite(_ color: Color, opacity: Double) -> Color {
        Color.white.mixed(with: color, by: opacity)
    }

    /// Column ranges (at least `minimumWidth` wide) containing a pixel of `color`: one per bar, left to right.
    static func columnRuns(_ image: DecodedPNG, of color: Color, minimumWidth: Int = 12, minimumHeight: Int = 2) -> [(range: Range<Int>, pixels: Int)] {
        let r = Int((color.red * 255).rounded()), g = Int((color.green * 255).rounded()), b = Int((color.blue * 255).rounded())
        var counts = Array(repeating: 0, count: image.width)
        image.pixels.withUnsafeBufferPointer { pixels in
            for y in 0..<image.height {
                for x in 0..<image.width {
                    let i = (y * image.width + x) * 4
                    if abs(Int(pixels[i]) - r) <= 3 && abs(Int(pixels[i + 1]) - g) <= 3 && abs(Int(pixels[i + 2]) - b) <= 3 { counts[x] += 1 }
                }
            }
        }
        var runs: [(Range<Int>, Int)] = []
        var start: Int?
        for x in 0...image.width {
            let inside = x < image.width && counts[x] >= minimumHeight
            if inside && start == nil { start = x }
            if !inside, let s = start {
                if x - s >= minimumWidth { runs.append((s..<x, counts[s..<x].reduce(0, +))) }
                start = nil
            }
        }
        return runs
    }
}
