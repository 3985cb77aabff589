extension ModelFamily {
    /// The base tensor `name` (any tensor of the base checkpoint), decoded to `Float`.
    public func baseTensor(_ name: String) throws -> Tensor {
        try base.tensor(name)
    }

    /// Model `model`'s version of matched tensor `name`: for a full fine-tune its stored tensor; for a
    /// LoRA adapter the base plus ΔW (dense) for an adapted weight, the base unchanged otherwise.
    /// `model` indexes ``taskNames`` (precondition: in range).
    public func fineTunedTensor(model: Int, _ name: String) throws -> Tensor {
        let info = try matchedInfo(name)
        switch members[model] {
        case let .full(checkpoint, names):
            return try checkpoint.tensor(names[info.name]!)
        case let .lora(adapter, modules):
            let baseTensor = try base.tensor(name)
            guard let module = modules[name] else { return baseTensor }
            let delta = try adapter.update(for: module).dense.elements
            return Tensor(shape: baseTensor.shape, values: zip(baseTensor.values, delta).map { $0 + $1 })
        }
    }

    /// The base weight `name` as an out × in matrix: transposed when it is stored in × out
    /// (``storedTransposed``); nil when it is not 2-D.
    public func baseMatrix(_ name: String) throws -> MatrixF? {
        guard let matrix = try base.tensor(name).matrix else { return nil }
        return storedTransposed.contains(name) ? matrix.transposed : matrix
    }

    /// Whether `name` is stored in × out and read transposed.
    public func isStoredTransposed(_ name: String) -> Bool { storedTransposed.contains(name) }

    /// One update per model for 2-D matched tensor `name`, out × in (transposed, as ``baseMatrix(_:)``,
    /// for weights in ``storedTransposed``; otherwise `rows × columns` of the stored weight):
    /// `.dense(W_ft − W_pre)` for full fine-tunes; `.lowRank` for LoRA (see ``LoRAAdapter/update(for:)``);
    /// for a weight an adapter does not touch, `.lowRank` of rank 0 (b is m×0, a is 0×n, scale 1).
    /// The base tensor is read once, and only when some model is a full fine-tune.
    /// Throws ``CheckpointError/notAMatrix(tensor:shape:)`` for other ranks (use ``denseUpdates(for:)``).
    public func updates(for name: String) throws -> [WeightUpdate] {
        try updatesWithRounding(for: name).updates
    }

    /// ``updates(for:)`` and, per model, W_ft's storage rounding measured in the pass that forms ΔW
    /// (``StorageRounding/difference(fineTuned:base:storedAs:)``; ``StorageRounding/share`` not yet set):
    /// nil for LoRA adapters and for fine-tunes stored in another dtype than F32, F16 or BF16.
    public func updatesWithRounding(for name: String) throws -> (updates: [WeightUpdate], rounding: [StorageRounding?]) {
        let info = try matchedInfo(name)
        guard info.shape.count == 2 else { throw CheckpointError.notAMatrix(tensor: name, shape: info.shape) }
        let (rows, columns) = (info.shape[0], info.shape[1])
        var baseMatrix: MatrixF?
        let stored: [(WeightUpdate, StorageRounding?)] = try members.map { member in
            switch member {
            case let .full(checkpoint, names):
                if baseMatrix == nil { baseMatrix = try base.tensor(name).matrix }
                let storedName = names[name]!
                let (delta, rounding) = StorageRounding.difference(
                    fineTuned: try checkpoint.tensor(storedName).values, base: baseMatrix!.elements,
                    storedAs: checkpoint.info(storedName)!.dtype, baseStoredAs: base.info(name)!.dtype)
                return (.dense(MatrixF(rows: rows, columns: columns, elements: delta)), rounding)
            case let .lora(adapter, modules):
                guard let module = modules[name] else {
                    return (.lowRank(b: MatrixF(zeros: rows, 0), a: MatrixF(zeros: 0, columns), scale: 1), nil)
                }
                return (try adapter.update(for: module), nil)
            }
        }
        let updates = stored.map(\.0)
        return (storedTransposed.contains(name) ? updates.map(\.transposed) : updates, stored.map(\.1))
    }

    /// One dense update W_ft − W_pre per model for matched tensor `name` of any shape (biases, norms,
    /// convolutions); LoRA updates are formed densely, and are zero for tensors an adapter does not touch.
    /// `base`, when the caller has read the base tensor already, saves reading it again.
    public func denseUpdates(for name: String, base knownBase: Tensor? = nil) throws -> [Tensor] {
        let info = try matchedInfo(name)
        var baseTensor = knownBase
        return try members.map { member in
            switch member {
            case let .full(checkpoint, names):
                if baseTensor == nil { baseTensor = try base.tensor(name) }
                var update = try checkpoint.tensor(names[name]!).values
                ElementwiseUpdate.add(-1, baseTensor!.values, to: &update)
                return Tensor(shape: info.shape, values: update)
            case let .lora(adapter, modules):
                guard let module = modules[name] else { return Tensor(zeros: info.shape) }
                return Tensor(shape: info.shape, values: try adapter.update(for: module).dense.elements)
            }
        }
    }

    /// The matched tensor `name`, or ``CheckpointError/tensorNotFound(file:tensor:)`` naming the base.
    private func matchedInfo(_ name: String) throws -> MatchedTensor {
        guard let index = matchedIndex[name] else { throw CheckpointError.tensorNotFound(file: base.displayPath, tensor: name) }
        return matched[index]
    }
}
