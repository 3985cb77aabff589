import Foundation

/// Category names fitted under an x axis (or a heatmap): horizontal when they fit their slot, else
/// rotated 40°, else vertical and thinned out; always ellipsized to a maximum height.
struct CategoryLabels {
    /// The text per category, ellipsized; empty for categories whose label is skipped.
    let texts: [String]
    /// Rotation in degrees counter-clockwise: 0, 40 or 90.
    let angle: Double
    /// How far the labels reach below their anchor line.
    let height: Double
    /// How far the labels reach left of the first slot's left edge (the plot's left edge); 0 or less
    /// when they stay right of it.
    let leftOverflow: Double

    /// Fits `names` into slots `slot` points wide with at most `maxHeight` of vertical room.
    init(_ names: [String], slot: Double, maxHeight: Double, canvas: Canvas, font: Font = Style.tickFont) {
        let lineHeight = canvas.lineHeight(font)
        let widths = names.map { canvas.width(of: $0, font: font) }
        if (widths.max() ?? 0) <= slot - 6 {
            texts = names
            angle = 0
            height = lineHeight
            leftOverflow = max(0, (widths.first ?? 0) / 2 - slot / 2)
            return
        }
        let radians = 40 * Double.pi / 180
        let rotates = slot * sin(radians) >= lineHeight * 1.05
        angle = rotates ? 40 : 90
        let stride = rotates ? 1 : max(1, Int(ceil(lineHeight * 1.1 / max(slot, 1e-9))))
        let maxLength = rotates ? (maxHeight - lineHeight * cos(radians)) / sin(radians) : maxHeight
        texts = names.enumerated().map { i, name in
            i % stride == 0 ? canvas.ellipsized(name, maxWidth: max(maxLength, 12), font: font, keepingEnd: true) : ""
        }
        let fitted = texts.map { canvas.width(of: $0, font: font) }
        if rotates {
            height = (fitted.max() ?? 0) * sin(radians) + lineHeight * cos(radians)
            leftOverflow = fitted.enumerated().map { i, w in w * cos(radians) - (Double(i) + 0.5) * slot }.max() ?? 0
        } else {
            height = fitted.max() ?? 0
            leftOverflow = max(0, lineHeight / 2 - slot / 2)
        }
    }

    /// Draws label i under the point (x(i), top).
    func draw(on canvas: Canvas, top: Double, x: (Int) -> Double, font: Font = Style.tickFont) {
        for (i, text) in texts.enumerated() where !text.isEmpty {
            switch angle {
            case 0:
                canvas.text(text, x: x(i), y: top, font: font, color: Style.text, horizontal: .center, vertical: .top)
            case 90:
                canvas.text(text, x: x(i), y: top, font: font, color: Style.text, horizontal: .right,
                            vertical: .middle, angle: 90)
            default:
                let lift = font.size * 0.365
                canvas.text(text, x: x(i) + lift * sin(angle * Double.pi / 180),
                            y: top + lift * cos(angle * Double.pi / 180), font: font, color: Style.text,
                            horizontal: .right, vertical: .middle, angle: angle)
            }
        }
    }
}
