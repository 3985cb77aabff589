/// Runs `body`; a ``CheckpointError`` is an expected outcome of a fuzz input (returns nil) as long as its
/// message is one line of printable text. Any other error stops the fuzzer.
@discardableResult
func expectCheckpointError<T>(_ body: () throws -> T) -> T? {
    do {
        return try body()
    } catch let error as CheckpointError {
        let message = error.description
        precondition(!message.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "control character in message: \(message.debugDescription)")
        return nil
    } catch {
        preconditionFailure("unexpected error type \(type(of: error)): \(error)")
    }
}

/// Reads every tensor of `file`; each read either gives a ``CheckpointError`` (e.g. after the file was cut
/// short) or a tensor of its entry's shape and element count.
func readEveryTensor(_ file: any TensorFile) {
    for info in file.tensors {
        guard let tensor = expectCheckpointError({ try file.tensor(info.name) }) else { continue }
        precondition(tensor.shape == info.shape && tensor.values.count == info.numel, "decoded tensor does not match its entry")
    }
}
