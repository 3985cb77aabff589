/// A linear layer y = W x + b, PyTorch's `nn.Linear`: `weight` is out×in (row-major), `bias` has `out`
/// entries or is absent.
///
/// **Batch convention (every `forward` in this folder):** a batch is a matrix with **one input per row**,
/// B×in, and the result has one output per row, B×out — PyTorch's `F.linear(x, W, b)`:
///
///     Y = X Wᵀ + 𝟙 bᵀ      (row r: y_r = W x_r + b)
///
/// A single column vector x is the 1×in matrix `MatrixF(rows: 1, columns: n, elements: x)`.
public struct PlainLinear: Sendable, Equatable {
    /// W, out×in.
    public var weight: MatrixF
    /// b (length out), or nil for a layer without bias.
    public var bias: [Float]?

    /// A layer over `weight` and `bias`. Precondition: `bias` has `weight.rows` entries.
    public init(weight: MatrixF, bias: [Float]? = nil) {
        precondition(bias.map { $0.count == weight.rows } ?? true, "bias length differs from the weight's out features")
        self.weight = weight
        self.bias = bias
    }

    /// in = columns of W.
    public var inFeatures: Int { weight.columns }
    /// out = rows of W.
    public var outFeatures: Int { weight.rows }

    /// Y = X Wᵀ + 𝟙 bᵀ for a B×in batch X (one input per row); B×out.
    public func forward(_ x: MatrixF) -> MatrixF {
        precondition(x.columns == inFeatures, "input has \(x.columns) features, the layer takes \(inFeatures)")
        var y = x.multiplied(by: weight, transposingOther: true)
        if let bias { y.addToEveryRow(bias) }
        return y
    }

    /// m·n, plus m with a bias.
    public var parameterCount: Int { weight.rows * weight.columns + (bias?.count ?? 0) }
}

extension Matrix {
    /// Adds `vector` (length `columns`) to every row: A + 𝟙 vᵀ.
    mutating func addToEveryRow(_ vector: [Scalar]) {
        precondition(vector.count == columns, "row vector length differs from the column count")
        for i in 0..<rows {
            let base = i * columns
            for j in 0..<columns { elements[base + j] += vector[j] }
        }
    }

    /// The rows at `indices`, in that order, as a new matrix.
    func gatheringRows(_ indices: [Int]) -> Matrix {
        var out = [Scalar]()
        out.reserveCapacity(indices.count * columns)
        for i in indices { out.append(contentsOf: elements[(i * columns)..<((i + 1) * columns)]) }
        return Matrix(rows: indices.count, columns: columns, elements: out)
    }
}
