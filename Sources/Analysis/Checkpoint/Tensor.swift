/// A tensor decoded to `Float`, row-major ("C" order, as safetensors and PyTorch store it).
///
/// Whatever the stored dtype, values are `Float`: this is the analysis precision. A 0-D tensor (scalar)
/// has `shape == []` and one value; a tensor with a zero dimension has no values.
public struct Tensor: Sendable, Equatable {
    /// Dimensions, outermost first. For a linear weight: `[out, in]`.
    public let shape: [Int]
    /// The product of `shape` values, row-major.
    public var values: [Float]

    /// A tensor of `shape` over `values`. Precondition: dimensions are non-negative and
    /// `values.count` is their product.
    public init(shape: [Int], values: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 } && values.count == shape.reduce(1, *), "tensor shape \(shape) does not match \(values.count) values")
        self.shape = shape
        self.values = values
    }

    /// The 2-D tensor holding `matrix` (shape `[rows, columns]`).
    public init(_ matrix: MatrixF) {
        self.init(shape: [matrix.rows, matrix.columns], values: matrix.elements)
    }

    /// The all-zero tensor of `shape`.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, values: Array(repeating: 0, count: shape.reduce(1, *)))
    }

    /// Number of elements (1 for a scalar).
    public var numel: Int { values.count }

    /// The tensor as a matrix when it is 2-D (`rows` = `shape[0]`, out features for a linear weight);
    /// nil otherwise. Copy-free apart from Swift's copy-on-write.
    public var matrix: MatrixF? {
        guard shape.count == 2 else { return nil }
        return MatrixF(rows: shape[0], columns: shape[1], elements: values)
    }
}

/// Where one tensor is in a safetensors file and how to decode it: the validated header entry.
public struct TensorInfo: Sendable, Equatable {
    /// The tensor's name in its file, e.g. `encoder.layer.0.attention.self.query.weight`.
    public let name: String
    /// Stored element type.
    public let dtype: DType
    /// Dimensions, outermost first; `[]` for a scalar.
    public let shape: [Int]
    /// The header's `data_offsets`: a byte range of the data buffer, which begins right after the
    /// header (see ``SafetensorsFile/dataStart``); for a ``TorchCheckpointFile``, the tensor's first byte in
    /// its storage. Its length is `numel × dtype.byteSize`.
    public let dataOffsets: Range<Int>

    /// Number of elements (product of `shape`; 1 for a scalar).
    public var numel: Int { shape.reduce(1, *) }

    /// Stored size in bytes.
    public var byteCount: Int { dataOffsets.count }
}
