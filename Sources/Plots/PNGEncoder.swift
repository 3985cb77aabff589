import CCairo
import Foundation

/// Encodes a Cairo image surface as PNG bytes in memory (`cairo_surface_write_to_png_stream`).
enum PNGEncoder {
    /// Collects the chunks Cairo hands to the write callback.
    private final class Sink {
        var data = Data()
    }

    /// The PNG encoding of `surface`.
    static func encode(_ surface: OpaquePointer) throws(PlotError) -> Data {
        let sink = Sink()
        let status = withExtendedLifetime(sink) {
            cairo_surface_write_to_png_stream(surface, { closure, bytes, length in
                guard let closure, let bytes else { return CAIRO_STATUS_WRITE_ERROR }
                Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue().data.append(bytes, count: Int(length))
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(sink).toOpaque())
        }
        guard status == CAIRO_STATUS_SUCCESS else {
            throw .renderingFailed("PNG encoding: " + String(cString: cairo_status_to_string(status)))
        }
        return sink.data
    }
}
