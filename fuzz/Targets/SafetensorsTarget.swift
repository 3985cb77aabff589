import Foundation

/// libFuzzer entry for the safetensors reader: the input is a whole `.safetensors` file.
///
/// It is opened with ``SafetensorsFile`` (length prefix, header rules), every tensor is read and decoded,
/// then the file is cut short, as by a concurrent writer, and every tensor is read again. Errors must be
/// ``CheckpointError``s with one-line messages; anything else — a trap, a sanitizer report, a hang, a
/// large allocation — is a finding. Invariants of an accepted file are checked with `precondition`.
@_cdecl("LLVMFuzzerTestOneInput")
public func safetensorsFuzzTarget(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    SafetensorsFuzzCase.scratch.write(bytes)
    SafetensorsFuzzCase.parseInMemory(Array(bytes))
    SafetensorsFuzzCase.openAndRead(size: size, cut: size > 0 ? Int(bytes[size - 1]) : 0)
    return 0
}

/// The steps of one safetensors fuzz case.
enum SafetensorsFuzzCase {
    /// The file the input is written to.
    nonisolated(unsafe) static let scratch = ScratchFile()

    /// The header parser on the header bytes alone: whatever the length prefix says, bytes 8… are parsed
    /// as a header with an empty data buffer, so JSON reaches the parser even when the prefix is wrong.
    static func parseInMemory(_ bytes: [UInt8]) {
        guard bytes.count >= 8 else { return }
        expectCheckpointError { _ = try SafetensorsHeaderParser.parse(Array(bytes[8...]), file: "fuzz", dataSize: 0) }
    }

    /// Opens the scratch file (`size` bytes), checks the accepted header's invariants, reads every
    /// tensor, cuts `cut` bytes off the file and reads every tensor again.
    static func openAndRead(size: Int, cut: Int) {
        guard let file = expectCheckpointError({ try SafetensorsFile(url: scratch.url) }) else { return }
        var end = 0
        for info in file.tensors.sorted(by: { ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound) }) {
            precondition(info.dataOffsets.lowerBound == end, "accepted a header whose tensors do not tile the data buffer")
            precondition(info.byteCount == info.numel * info.dtype.byteSize, "accepted a byte length that is not numel × element size")
            end = info.dataOffsets.upperBound
        }
        precondition(file.dataStart + end == size, "accepted bytes after the last tensor")
        readEveryTensor(file)
        scratch.truncate(to: Swift.max(0, size - cut))
        readEveryTensor(file)
    }
}
