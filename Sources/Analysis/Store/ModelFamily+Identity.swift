extension ModelFamily {
    /// The identities of the stored tensors matched tensor `name` is computed from: the base tensor, then
    /// per model its fine-tuned tensor (full) or its LoRA factors A and B (none for an untouched module).
    /// Reads only the fingerprints' sampled blocks. Throws ``CheckpointError``.
    public func inputIdentities(of name: String) throws -> [TensorIdentity] {
        var identities = [try Self.identity(of: name, in: base)]
        for member in members {
            switch member {
            case let .full(checkpoint, names):
                guard let modelName = names[name] else { throw CheckpointError.tensorNotFound(file: checkpoint.displayPath, tensor: name) }
                identities.append(try Self.identity(of: modelName, in: checkpoint))
            case let .lora(adapter, modules):
                guard let module = modules[name] else { continue }
                identities.append(try Self.identity(of: module.factorA, in: adapter.file))
                identities.append(try Self.identity(of: module.factorB, in: adapter.file))
            }
        }
        return identities
    }

    private static func identity(of name: String, in checkpoint: Checkpoint) throws -> TensorIdentity {
        guard let file = checkpoint.file(containing: name), let info = file.info(name) else {
            throw CheckpointError.tensorNotFound(file: checkpoint.displayPath, tensor: name)
        }
        return try identity(of: info, in: file)
    }

    private static func identity(of info: TensorInfo, in file: any TensorFile) throws -> TensorIdentity {
        let blocks = try ContentFingerprint.sampledRanges(byteCount: info.byteCount).map { try file.rawBytes(of: info, in: $0) }
        return TensorIdentity(
            path: file.displayPath, tensor: info.name, shape: info.shape, dtype: info.dtype.rawValue, byteCount: info.byteCount,
            fingerprint: ContentFingerprint.fingerprint(byteCount: info.byteCount, blocks: blocks))
    }
}
