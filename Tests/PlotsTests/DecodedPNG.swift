import CPNG
import Foundation

/// A PNG decoded to 8-bit RGBA with libpng's simplified API, for asserting on rendered figures.
struct DecodedPNG {
    struct DecodingError: Error, CustomStringConvertible {
        let description: String
    }

    let width: Int
    let height: Int
    /// Row-major RGBA bytes.
    let pixels: [UInt8]

    init(_ data: Data) throws {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        var buffer: [UInt8] = []
        let ok = data.withUnsafeBytes { bytes -> Bool in
            guard png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count) != 0 else { return false }
            image.format = UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)  // PNG_FORMAT_RGBA
            buffer = [UInt8](repeating: 0, count: Int(image.width) * Int(image.height) * 4)
            return png_image_finish_read(&image, nil, &buffer, 0, nil) != 0
        }
        guard ok else {
            let message = withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            png_image_free(&image)
            throw DecodingError(description: "libpng: \(message)")
        }
        width = Int(image.width)
        height = Int(image.height)
        pixels = buffer
    }

    /// The pixel at (x, y) as 0…255 components.
    func pixel(_ x: Int, _ y: Int) -> (r: Int, g: Int, b: Int, a: Int) {
        let i = (y * width + x) * 4
        return (Int(pixels[i]), Int(pixels[i + 1]), Int(pixels[i + 2]), Int(pixels[i + 3]))
    }

    /// Number of distinct RGB colours.
    var distinctColors: Int {
        var seen = Set<UInt32>()
        for i in stride(from: 0, to: pixels.count, by: 4) {
            seen.insert(UInt32(pixels[i]) << 16 | UInt32(pixels[i + 1]) << 8 | UInt32(pixels[i + 2]))
        }
        return seen.count
    }

    /// Fraction of pixels that are not pure white.
    var nonWhiteFraction: Double {
        var count = 0
        for i in stride(from: 0, to: pixels.count, by: 4) where pixels[i] < 255 || pixels[i + 1] < 255 || pixels[i + 2] < 255 {
            count += 1
        }
        return Double(count) / Double(max(width * height, 1))
    }
}
