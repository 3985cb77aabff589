import CCairo
import Foundation

/// A font for the toy text API: DejaVu Sans at `size` points, regular or bold.
struct Font {
    /// Size in points (the em size).
    var size: Double
    /// Bold weight instead of regular.
    var bold = false
}

/// Vertical text anchoring relative to the anchor point.
enum VerticalAlignment {
    /// The ascender line is at the anchor (the text hangs below it).
    case top
    /// The middle of capital letters is at the anchor.
    case middle
    /// The baseline is at the anchor.
    case baseline
    /// The descender line is at the anchor (the text sits above it).
    case bottom
}

/// A thin drawing layer over a `cairo_t`, in figure points (the context is pre-scaled to pixels).
/// Everything here is deterministic: fixed font, fixed antialiasing, no hinting.
final class Canvas {
    /// The font family; `fonts-dejavu-core` provides it.
    static let fontFamily = "DejaVu Sans"

    private let context: OpaquePointer
    /// Pixels per point.
    let scale: Double

    /// Wraps `context`, scales it by `scale` and pins antialiasing and font rendering options.
    init(context: OpaquePointer, scale: Double) {
        self.context = context
        self.scale = scale
        cairo_scale(context, scale, scale)
        cairo_set_antialias(context, CAIRO_ANTIALIAS_GRAY)
        let options = cairo_font_options_create()
        cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_font_options_set_subpixel_order(options, CAIRO_SUBPIXEL_ORDER_DEFAULT)
        cairo_set_font_options(context, options)
        cairo_font_options_destroy(options)
        cairo_set_line_join(context, CAIRO_LINE_JOIN_ROUND)
    }

    /// Cairo's sticky error state as a message, or nil when all drawing succeeded.
    var errorMessage: String? {
        let status = cairo_status(context)
        return status == CAIRO_STATUS_SUCCESS ? nil : String(cString: cairo_status_to_string(status))
    }

    // MARK: State

    /// Runs `body` with the graphics state saved and restored around it.
    func withSavedState(_ body: () -> Void) {
        cairo_save(context)
        body()
        cairo_restore(context)
    }

    /// Runs `body` with drawing clipped to `rect`.
    func clipped(to rect: Rect, _ body: () -> Void) {
        withSavedState {
            cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
            cairo_clip(context)
            body()
        }
    }

    /// The coordinate of the pixel centre nearest to `value`, so a line of odd pixel width is crisp.
    func snap(_ value: Double) -> Double {
        ((value * scale).rounded(.down) + 0.5) / scale
    }

    // MARK: Shapes

    private func setColor(_ color: Color) {
        cairo_set_source_rgba(context, color.red, color.green, color.blue, color.alpha)
    }

    private func setStroke(width: Double, dash: [Double], roundCaps: Bool) {
        cairo_set_line_width(context, width)
        cairo_set_line_cap(context, roundCaps ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT)
        cairo_set_dash(context, dash, Int32(dash.count), 0)
    }

    /// Fills `rect` with `color`.
    func fill(_ rect: Rect, color: Color) {
        setColor(color)
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_fill(context)
    }

    /// Strokes the outline of `rect`.
    func stroke(_ rect: Rect, color: Color, width: Double) {
        setColor(color)
        setStroke(width: width, dash: [], roundCaps: false)
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_stroke(context)
    }

    /// Strokes the straight segment from (x0, y0) to (x1, y1).
    func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double,
              color: Color, width: Double, dash: [Double] = [], roundCaps: Bool = false) {
        polyline([(x0, y0), (x1, y1)], color: color, width: width, dash: dash, roundCaps: roundCaps)
    }

    /// Strokes a connected path through `points` (nothing for fewer than two points).
    func polyline(_ points: [(x: Double, y: Double)], color: Color, width: Double,
                  dash: [Double] = [], roundCaps: Bool = false) {
        guard points.count >= 2 else { return }
        setColor(color)
        setStroke(width: width, dash: dash, roundCaps: roundCaps)
        cairo_move_to(context, points[0].x, points[0].y)
        for point in points.dropFirst() { cairo_line_to(context, point.x, point.y) }
        cairo_stroke(context)
    }

    /// Draws a marker of diameter `size` centred on (x, y), filled with `color` and edged in white.
    func marker(_ shape: MarkerShape, x: Double, y: Double, size: Double, color: Color) {
        let r = size / 2
        switch shape {
        case .circle:
            cairo_new_sub_path(context)
            cairo_arc(context, x, y, r, 0, 2 * Double.pi)
        case .square:
            cairo_rectangle(context, x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8)
        case .diamond:
            cairo_move_to(context, x, y - r * 1.2)
            cairo_line_to(context, x + r, y)
            cairo_line_to(context, x, y + r * 1.2)
            cairo_line_to(context, x - r, y)
            cairo_close_path(context)
        case .triangle:
            cairo_move_to(context, x, y - r * 1.15)
            cairo_line_to(context, x + r * 1.1, y + r * 0.75)
            cairo_line_to(context, x - r * 1.1, y + r * 0.75)
            cairo_close_path(context)
        }
        setColor(color)
        cairo_fill_preserve(context)
        setColor(Color.white.withAlpha(0.9))
        setStroke(width: max(0.6, size / 8), dash: [], roundCaps: false)
        cairo_stroke(context)
    }

    /// Fills `rect` with a vertical gradient through `colors` (first at the bottom, last at the top).
    func verticalGradient(_ rect: Rect, colors: [Color]) {
        let pattern = cairo_pattern_create_linear(0, rect.maxY, 0, rect.minY)
        for (i, color) in colors.enumerated() {
            let offset = colors.count > 1 ? Double(i) / Double(colors.count - 1) : 0
            cairo_pattern_add_color_stop_rgba(pattern, offset, color.red, color.green, color.blue, color.alpha)
        }
        cairo_set_source(context, pattern)
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_fill(context)
        cairo_pattern_destroy(pattern)
    }

    // MARK: Text

    private func select(_ font: Font) {
        cairo_select_font_face(context, Canvas.fontFamily, CAIRO_FONT_SLANT_NORMAL,
                               font.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, font.size)
    }

    /// The advance width of `text` in `font`.
    func width(of text: String, font: Font) -> Double {
        guard !text.isEmpty else { return 0 }
        select(font)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, text, &extents)
        return max(extents.x_advance, extents.x_bearing + extents.width)
    }

    /// The height of one line of `font`: ascent plus descent.
    func lineHeight(_ font: Font) -> Double {
        let (ascent, descent) = verticalMetrics(font)
        return ascent + descent
    }

    private func verticalMetrics(_ font: Font) -> (ascent: Double, descent: Double) {
        select(font)
        var extents = cairo_font_extents_t()
        cairo_font_extents(context, &extents)
        return (extents.ascent, extents.descent)
    }

    /// Draws `text` anchored at (x, y), rotated `angle` degrees counter-clockwise about the anchor.
    func text(_ text: String, x: Double, y: Double, font: Font, color: Color,
              horizontal: HorizontalAlignment = .left, vertical: VerticalAlignment = .baseline,
              angle: Double = 0) {
        guard !text.isEmpty else { return }
        let width = width(of: text, font: font)
        let (ascent, descent) = verticalMetrics(font)
        let dx: Double = switch horizontal {
        case .left: 0
        case .center: -width / 2
        case .right: -width
        }
        let dy: Double = switch vertical {
        case .top: ascent
        case .middle: font.size * 0.365
        case .baseline: 0
        case .bottom: -descent
        }
        withSavedState {
            cairo_translate(context, x, y)
            if angle != 0 { cairo_rotate(context, -angle * Double.pi / 180) }
            setColor(color)
            cairo_move_to(context, dx, dy)
            cairo_show_text(context, text)
        }
    }

    /// `text`, shortened with an ellipsis when wider than `maxWidth`: at the end, or in the middle
    /// (`keepingEnd`) so that names differing only in a suffix, like `…-seed1` and `…-seed2`, stay
    /// distinguishable.
    func ellipsized(_ text: String, maxWidth: Double, font: Font, keepingEnd: Bool = false) -> String {
        guard width(of: text, font: font) > maxWidth else { return text }
        let characters = Array(text)
        func shortened(keeping count: Int) -> String {
            let tail = keepingEnd ? count / 2 : 0
            let head = String(characters[..<(count - tail)]).trimmingCharacters(in: .whitespaces)
            return head + "…" + String(characters[(characters.count - tail)...]).trimmingCharacters(in: .whitespaces)
        }
        var low = 0, high = characters.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if width(of: shortened(keeping: mid), font: font) <= maxWidth { low = mid } else { high = mid - 1 }
        }
        return shortened(keeping: low)
    }

    /// `text` broken at spaces into at most `maxLines` lines no wider than `maxWidth`; the last line is
    /// ellipsized when the text does not fit, and a single over-long word is ellipsized.
    func wrapped(_ text: String, maxWidth: Double, font: Font, maxLines: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        var words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)[...]
        while let word = words.first {
            let candidate = current.isEmpty ? word : current + " " + word
            if width(of: candidate, font: font) <= maxWidth || current.isEmpty {
                current = candidate
                words.removeFirst()
            } else {
                if lines.count == maxLines - 1 { break }
                lines.append(current)
                current = ""
            }
        }
        let rest = ([current] + words).filter { !$0.isEmpty }.joined(separator: " ")
        if !rest.isEmpty { lines.append(rest) }
        return lines.prefix(maxLines).map { ellipsized($0, maxWidth: maxWidth, font: font) }
    }
}
