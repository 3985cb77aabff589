import Foundation

/// One `.safetensors` file, opened by reading and validating only its header; tensors are read lazily,
/// one at a time, with positioned reads of exactly their byte range.
///
/// Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON (see
/// ``SafetensorsHeaderParser`` for the rules enforced), then the data buffer. Opening never allocates
/// from a number in the file before checking it against the file's size: N is bounded by
/// ``maximumHeaderLength`` and by the file size before the header is read.
///
/// Reads use `pread`, not `mmap`: a mapped file that shrinks raises SIGBUS, which cannot be caught;
/// here the size is re-checked before each read and a short read is an error
/// (``CheckpointError/truncated(file:tensor:needed:fileSize:)``). The file stays open for the object's
/// lifetime, so a file replaced on disk after opening is not mixed with the one whose header was read.
public final class SafetensorsFile: Sendable {
    /// The largest header accepted, as in the reference reader (100 MB).
    public static let maximumHeaderLength: UInt64 = 100_000_000

    /// Where the file is.
    public let url: URL
    /// The path used in error messages (the URL's path as given).
    public let displayPath: String
    /// Byte offset of the data buffer in the file: 8 + header length.
    public let dataStart: Int
    /// Every tensor, sorted by name.
    public let tensors: [TensorInfo]
    /// The `__metadata__` map, e.g. `["format": "pt"]`; empty when absent.
    public let metadata: [String: String]

    private let file: ReadOnlyFile
    private let index: [String: Int]

    /// Opens `url` and validates its header. Throws ``CheckpointError`` naming the file (and the tensor,
    /// for per-tensor rules).
    public init(url: URL) throws {
        let path = url.relativePath
        let file = try ReadOnlyFile(path: path)
        let fileSize = try file.size()
        guard fileSize >= 8 else { throw CheckpointError.fileTooSmall(file: path, size: fileSize) }
        let prefix = try file.read(count: 8, at: 0, tensor: nil)
        let length = prefix.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard length <= Self.maximumHeaderLength else { throw CheckpointError.headerTooLarge(file: path, length: length) }
        guard 8 + Int(length) <= fileSize else {
            throw CheckpointError.headerBeyondFile(file: path, length: length, fileSize: fileSize)
        }
        let header = try SafetensorsHeaderParser.parse(
            try file.read(count: Int(length), at: 8, tensor: nil), file: path, dataSize: fileSize - 8 - Int(length))
        self.url = url
        self.displayPath = path
        self.file = file
        self.dataStart = 8 + Int(length)
        self.tensors = header.tensors
        self.metadata = header.metadata
        self.index = Dictionary(uniqueKeysWithValues: header.tensors.enumerated().map { ($1.name, $0) })
    }

    /// The header entry for `name`, or nil.
    public func info(_ name: String) -> TensorInfo? {
        index[name].map { tensors[$0] }
    }

    /// Reads and decodes tensor `name` to `Float`. Throws ``CheckpointError/tensorNotFound(file:tensor:)``,
    /// or ``CheckpointError/truncated(file:tensor:needed:fileSize:)`` if the file has shrunk since opening.
    public func tensor(_ name: String) throws -> Tensor {
        guard let info = info(name) else { throw CheckpointError.tensorNotFound(file: displayPath, tensor: name) }
        let bytes = try rawBytes(of: info)
        return Tensor(shape: info.shape, values: bytes.withUnsafeBytes { info.dtype.decode($0) })
    }

    /// The stored bytes of `info` (an entry of ``tensors``), undecoded.
    public func rawBytes(of info: TensorInfo) throws -> [UInt8] {
        try file.read(count: info.byteCount, at: dataStart + info.dataOffsets.lowerBound, tensor: info.name)
    }

    /// The stored bytes `range` of `info` (relative to the tensor's first byte; within its byte count).
    public func rawBytes(of info: TensorInfo, in range: Range<Int>) throws -> [UInt8] {
        precondition(range.lowerBound >= 0 && range.upperBound <= info.byteCount, "a range inside the tensor")
        return try file.read(count: range.count, at: dataStart + info.dataOffsets.lowerBound + range.lowerBound, tensor: info.name)
    }
}
