/// The validated content of a safetensors header.
public struct SafetensorsHeader: Sendable, Equatable {
    /// Every tensor, sorted by name.
    public let tensors: [TensorInfo]
    /// The `__metadata__` map (empty when absent or `null`).
    public let metadata: [String: String]
}

/// Parses and validates the JSON header of a safetensors file with the rules of the reference Rust
/// reader (`safetensors::SafeTensors::read_metadata`), and a stricter JSON syntax (see
/// ``StrictJSONParser``: duplicate keys and nesting beyond 64 levels are errors).
///
/// Rules, each reported as its own ``CheckpointError`` naming the file and the tensor:
/// the header is UTF-8 and a JSON object; each entry other than `__metadata__` is an object with a known
/// `dtype`, a `shape` of non-negative integers whose element count and byte length do not overflow, and
/// `data_offsets` `[begin, end]` with begin ≤ end ≤ the data buffer size and end − begin = numel × dtype
/// size; sorted by offset, the tensors tile the data buffer exactly (no hole, no overlap, the last ends at
/// the buffer's end). `__metadata__` must be an object of strings (or `null`). Unknown fields inside a
/// tensor entry are ignored, as serde does for the reference reader.
public enum SafetensorsHeaderParser {
    /// Validates `header` (the N bytes after the length prefix) of `file` (used in messages only), whose
    /// data buffer holds `dataSize` bytes (file size − 8 − N).
    public static func parse(_ header: [UInt8], file: String, dataSize: Int) throws -> SafetensorsHeader {
        guard StrictJSONParser.isValidUTF8(header) else { throw CheckpointError.headerNotUTF8(file: file) }
        let root: JSONValue
        do {
            root = try StrictJSONParser.parse(header)
        } catch {
            throw CheckpointError.malformedHeader(file: file, tensor: error.topLevelKey, reason: "\(error.message) at header byte \(error.offset)")
        }
        guard let members = root.members else {
            throw CheckpointError.malformedHeader(file: file, tensor: nil, reason: "header is not a JSON object")
        }
        var metadata = [String: String]()
        var tensors = [TensorInfo]()
        for member in members {
            if member.key == "__metadata__" {
                metadata = try parseMetadata(member.value, file: file)
            } else {
                tensors.append(try parseEntry(member.value, name: member.key, file: file, dataSize: dataSize))
            }
        }
        try checkTiling(tensors, file: file, dataSize: dataSize)
        return SafetensorsHeader(tensors: tensors.sorted { $0.name < $1.name }, metadata: metadata)
    }

    private static func parseMetadata(_ value: JSONValue, file: String) throws -> [String: String] {
        if value == .null { return [:] }
        guard let members = value.members else {
            throw CheckpointError.invalidMetadata(file: file, key: nil, reason: "expected an object of strings, found \(value.summary)")
        }
        var metadata = [String: String]()
        for member in members {
            guard let text = member.value.string else {
                throw CheckpointError.invalidMetadata(file: file, key: member.key, reason: "value \(member.value.summary) is not a string")
            }
            metadata[member.key] = text
        }
        return metadata
    }

    private static func parseEntry(_ entry: JSONValue, name: String, file: String, dataSize: Int) throws -> TensorInfo {
        func malformed(_ reason: String) -> CheckpointError { .malformedHeader(file: file, tensor: name, reason: reason) }
        guard entry.members != nil else { throw malformed("entry is \(entry.summary), not an object") }
        guard let dtypeValue = entry["dtype"] else { throw malformed("missing \"dtype\"") }
        guard let dtypeName = dtypeValue.string else { throw malformed("\"dtype\" is \(dtypeValue.summary), not a string") }
        guard let dtype = DType(rawValue: dtypeName) else { throw CheckpointError.unknownDType(file: file, tensor: name, dtype: dtypeName) }
        guard let shapeValue = entry["shape"] else { throw malformed("missing \"shape\"") }
        guard let dimensions = shapeValue.elements else { throw malformed("\"shape\" is \(shapeValue.summary), not an array") }
        let shape = try dimensions.map { dimension in
            guard let size = dimension.integer else {
                throw CheckpointError.invalidShape(file: file, tensor: name, reason: "dimension \(dimension.summary) is not a 64-bit integer")
            }
            guard size >= 0 else { throw CheckpointError.invalidShape(file: file, tensor: name, reason: "dimension \(size) is negative") }
            return size
        }
        guard let byteLength = byteLength(of: shape, dtype: dtype) else {
            throw CheckpointError.shapeOverflow(file: file, tensor: name, dtype: dtype, shape: shape)
        }
        guard let offsetsValue = entry["data_offsets"] else { throw malformed("missing \"data_offsets\"") }
        guard let bounds = offsetsValue.elements, bounds.count == 2 else {
            throw CheckpointError.invalidOffsets(file: file, tensor: name, reason: "expected [begin, end], found \(offsetsValue.summary)")
        }
        guard let begin = bounds[0].integer, let end = bounds[1].integer, begin >= 0, begin <= end else {
            throw CheckpointError.invalidOffsets(file: file, tensor: name, reason: "[\(bounds[0].summary), \(bounds[1].summary)] is not 0 ≤ begin ≤ end")
        }
        let offsets = begin..<end
        guard end <= dataSize else {
            throw CheckpointError.offsetsBeyondData(file: file, tensor: name, offsets: offsets, dataSize: dataSize)
        }
        guard offsets.count == byteLength else {
            throw CheckpointError.byteLengthMismatch(file: file, tensor: name, dtype: dtype, shape: shape, offsets: offsets)
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: offsets)
    }

    /// numel × byte size, or nil on overflow.
    private static func byteLength(of shape: [Int], dtype: DType) -> Int? {
        var product = dtype.byteSize
        for dimension in shape {
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            product = next
        }
        return product
    }

    /// Sorted by offsets, tensors must cover `0..<dataSize` exactly once.
    private static func checkTiling(_ tensors: [TensorInfo], file: String, dataSize: Int) throws {
        let ordered = tensors.sorted {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name)
        }
        var end = 0
        var previous: String?
        for tensor in ordered {
            let offsets = tensor.dataOffsets
            if offsets.lowerBound > end {
                throw CheckpointError.gapBeforeTensor(file: file, tensor: tensor.name, previous: previous, offsets: offsets, previousEnd: end)
            }
            if offsets.lowerBound < end, let previous {
                throw CheckpointError.overlappingTensors(file: file, tensor: tensor.name, previous: previous, offsets: offsets, previousEnd: end)
            }
            end = offsets.upperBound
            previous = tensor.name
        }
        guard end == dataSize else { throw CheckpointError.trailingData(file: file, lastTensor: previous, dataEnd: end, dataSize: dataSize) }
    }
}
