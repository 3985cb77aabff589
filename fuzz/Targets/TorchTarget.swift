import Foundation

/// libFuzzer entry for the PyTorch reader: the input is a whole `torch.save` file (a stored zip).
///
/// The input is given to the ``RestrictedUnpickler`` as a bare pickle (so mutations of pickle seeds reach
/// it directly), then opened from disk with ``TorchCheckpointFile`` (``TorchZipArchive``, the pickle
/// inside, tensor bounds); every tensor is read, the file is cut short and every tensor read again.
/// Errors must be ``CheckpointError``s with one-line messages; anything else — a trap, a sanitizer
/// report, a hang, a large allocation — is a finding. Invariants of an accepted file are checked with
/// `precondition`.
@_cdecl("LLVMFuzzerTestOneInput")
public func torchFuzzTarget(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    TorchFuzzCase.scratch.write(bytes)
    expectCheckpointError { _ = try RestrictedUnpickler.stateDict(Array(bytes), file: "fuzz") }
    TorchFuzzCase.openAndRead(size: size, cut: size > 0 ? Int(bytes[size - 1]) : 0)
    return 0
}

/// The steps of one PyTorch fuzz case.
enum TorchFuzzCase {
    /// The file the input is written to.
    nonisolated(unsafe) static let scratch = ScratchFile()

    /// Opens the scratch file (`size` bytes), reads every tensor, cuts `cut` bytes off and reads again.
    static func openAndRead(size: Int, cut: Int) {
        guard let file = expectCheckpointError({ try TorchCheckpointFile(url: scratch.url) }) else { return }
        for info in file.tensors {
            precondition(info.byteCount == info.numel * info.dtype.byteSize, "accepted a byte count that is not numel × element size")
            precondition(info.numel <= size, "accepted a tensor with more elements than the file has bytes")
        }
        readEveryTensor(file)
        scratch.truncate(to: Swift.max(0, size - cut))
        readEveryTensor(file)
    }
}
