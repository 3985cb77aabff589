import Foundation

/// Writes `.safetensors` files laid out exactly as the reference Rust crate's `serialize` does, so that
/// for the same tensors, dtypes and metadata the bytes are identical.
///
/// Layout (mirroring `safetensors::tensor::prepare`): tensors sorted by dtype alignment **descending**
/// (``DType/alignmentRank``: I64, F64, F32, I32, BF16, F16, I16, … BOOL), then by name ascending, and
/// packed back to back from offset 0, so each tensor starts at a multiple of its element size. The header
/// is compact JSON: `__metadata__` first (its keys sorted; the reference iterates a hash map), then one
/// `{"dtype":…,"shape":[…],"data_offsets":[begin,end]}` per tensor in layout order, strings escaped as
/// serde_json does; it is padded with spaces to a multiple of 8 bytes so the data buffer is 8-aligned.
/// The file is written atomically (``AtomicFile``), one tensor encoded at a time.
public enum SafetensorsWriter {
    /// Writes `tensors` to `url`, each stored as `dtypes[name]` or else `dtype` (F32 by default).
    ///
    /// - Parameters:
    ///   - metadata: the `__metadata__` map; nil writes none. Transformers writes `["format": "pt"]`.
    /// - Throws: ``CheckpointError/unencodable(file:tensor:dtype:reason:)`` when values do not fit the
    ///   dtype (integers and BOOL must be exact; F8 cannot be written) or a tensor is named `__metadata__`;
    ///   ``CheckpointError/unwritable(file:reason:)`` on I/O failure. Nothing is left behind on error.
    public static func write(
        _ tensors: [String: Tensor], to url: URL, dtype: DType = .f32, dtypes: [String: DType] = [:],
        metadata: [String: String]? = ["format": "pt"]
    ) throws {
        let entries = tensors.map { (name: $0.key, dtype: dtypes[$0.key] ?? dtype, shape: $0.value.shape) }
        try stream(entries, to: url, metadata: metadata) { tensors[$0]! }
    }

    /// Writes the tensors `entries` describes, asking `produce` for each one's values only when its turn
    /// in the layout comes, so one tensor at a time is in memory (the header needs names, dtypes and
    /// shapes only). Same layout, bytes and errors as ``write(_:to:dtype:dtypes:metadata:)``; an error
    /// thrown by `produce` aborts the write and is rethrown. Precondition: `produce` returns a tensor of
    /// the entry's shape.
    public static func stream(
        _ entries: [(name: String, dtype: DType, shape: [Int])], to url: URL, metadata: [String: String]? = ["format": "pt"],
        produce: (String) throws -> Tensor
    ) throws {
        let path = url.relativePath
        let layout = entries.sorted { ($1.dtype.alignmentRank, $0.name) < ($0.dtype.alignmentRank, $1.name) }
        if let reserved = layout.first(where: { $0.name == "__metadata__" }) {
            throw CheckpointError.unencodable(file: path, tensor: reserved.name, dtype: reserved.dtype, reason: "the name is reserved for metadata")
        }
        let header = headerBytes(layout, metadata: metadata)
        try AtomicFile.write(to: url) { sink in
            try sink.write(withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) })
            try sink.write(header)
            for entry in layout {
                let tensor = try produce(entry.name)
                precondition(tensor.shape == entry.shape, "tensor \(entry.name) produced with shape \(tensor.shape), declared \(entry.shape)")
                do {
                    try sink.write(try entry.dtype.encode(tensor.values))
                } catch let failure as DTypeEncodingFailure {
                    throw CheckpointError.unencodable(file: path, tensor: entry.name, dtype: entry.dtype, reason: failure.reason)
                }
            }
        }
    }

    /// The padded header JSON for tensors in layout order.
    static func headerBytes(_ layout: [(name: String, dtype: DType, shape: [Int])], metadata: [String: String]?) -> [UInt8] {
        var members = [String]()
        if let metadata {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            members.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, dtype, shape) in layout {
            let end = offset + shape.reduce(1, *) * dtype.byteSize
            let shapeText = shape.map(String.init).joined(separator: ",")
            members.append("\(jsonString(name)):{\"dtype\":\"\(dtype.rawValue)\",\"shape\":[\(shapeText)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var bytes = Array("{\(members.joined(separator: ","))}".utf8)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8))
        return bytes
    }

    /// `text` as a JSON string literal, escaped as serde_json does: `"` and `\` with a backslash,
    /// \b \t \n \f \r by name, other control characters as `\u00xx`; everything else verbatim UTF-8.
    static func jsonString(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\u{08}": escaped += "\\b"
            case "\t": escaped += "\\t"
            case "\n": escaped += "\\n"
            case "\u{0C}": escaped += "\\f"
            case "\r": escaped += "\\r"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                escaped += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }
}
