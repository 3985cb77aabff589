import Foundation

/// One file of tensors, read lazily: a ``SafetensorsFile`` or a ``TorchCheckpointFile``.
///
/// Opening validates the file's index of tensors (header, or zip directory and pickle); ``tensor(_:)``
/// reads one tensor's bytes and decodes them to `Float`.
public protocol TensorFile: AnyObject, Sendable {
    /// Where the file is.
    var url: URL { get }
    /// The path used in messages.
    var displayPath: String { get }
    /// Every tensor, sorted by name.
    var tensors: [TensorInfo] { get }
    /// Free-form string metadata (safetensors `__metadata__`); empty when the format has none.
    var metadata: [String: String] { get }
    /// The entry for `name`, or nil.
    func info(_ name: String) -> TensorInfo?
    /// Reads and decodes tensor `name`. Throws ``CheckpointError/tensorNotFound(file:tensor:)`` when absent.
    func tensor(_ name: String) throws -> Tensor
    /// Stored bytes of `info`, `range` counted from the byte of its first element (a content
    /// fingerprint's sample); `range` lies within the tensor's byte count.
    func rawBytes(of info: TensorInfo, in range: Range<Int>) throws -> [UInt8]
}

extension TensorFile {
    /// Σ numel over all tensors.
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.numel } }

    /// Σ bytes over all tensors (numel × element size each; storages shared by several tensors count
    /// once per tensor).
    public var byteCount: Int { tensors.reduce(0) { $0 + $1.byteCount } }
}

extension SafetensorsFile: TensorFile {}

/// Opens tensor files by their content, not their name.
public enum TensorFiles {
    /// Opens `url`: a zip archive (`PK\u{3}\u{4}`) is a ``TorchCheckpointFile``; a file starting with a
    /// pickle protocol opcode (`0x80`) whose first 8 bytes are not a plausible safetensors header length
    /// (shorter than 8 bytes, or a length over ``SafetensorsFile/maximumHeaderLength``) is a legacy
    /// `torch.save` file, refused with ``CheckpointError/unsupportedTorchFormat(file:reason:)``; anything
    /// else is a ``SafetensorsFile``. (No safetensors file starts with `PK\u{3}\u{4}`: as a header length
    /// that is far over the limit.)
    public static func open(_ url: URL) throws -> any TensorFile {
        let path = url.relativePath
        let file = try ReadOnlyFile(path: path)
        let prefix = try file.read(count: min(8, try file.size()), at: 0, tensor: nil)
        if prefix.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return try TorchCheckpointFile(url: url, file: file) }
        let headerLength = prefix.count == 8 ? prefix.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } : nil
        if prefix.first == 0x80, headerLength.map({ $0 > SafetensorsFile.maximumHeaderLength }) ?? true {
            throw CheckpointError.unsupportedTorchFormat(
                file: path, reason: "legacy torch.save format (before PyTorch 1.6); re-save it with a current torch, or convert it to safetensors")
        }
        return try SafetensorsFile(url: url)
    }
}
