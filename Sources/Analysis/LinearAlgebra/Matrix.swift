/// A dense matrix stored **row-major**, the layout of PyTorch and of safetensors: element (i, j) of an
/// m×n matrix is `elements[i * columns + j]`.
///
/// For weights this is the `nn.Linear` convention: `rows` = out features, `columns` = in features, and the
/// layer computes y = W x. LAPACK expects column-major storage; a row-major m×n buffer is the column-major
/// n×m transpose, so decompositions hand LAPACK the transpose and swap the roles of the factors rather
/// than copying (see ``singularValueDecomposition(context:)``).
public struct Matrix<Scalar: LinearAlgebraScalar>: Equatable, Sendable {
    /// Number of rows (m; out features for a linear weight).
    public let rows: Int
    /// Number of columns (n; in features for a linear weight).
    public let columns: Int
    /// The m·n elements, row-major.
    public var elements: [Scalar]

    /// A matrix over `elements` laid out row-major. Precondition: `elements.count == rows * columns`.
    public init(rows: Int, columns: Int, elements: [Scalar]) {
        precondition(rows >= 0 && columns >= 0 && elements.count == rows * columns, "matrix shape does not match its element count")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// The m×n zero matrix.
    public init(zeros rows: Int, _ columns: Int) {
        self.init(rows: rows, columns: columns, elements: HugePageArrays.zeros(rows * columns))
    }

    /// The n×n identity.
    public init(identity n: Int) {
        self.init(zeros: n, n)
        for i in 0..<n { elements[i * n + i] = 1 }
    }

    /// A matrix from nested rows, `rows[i][j]` = element (i, j). Precondition: all rows equally long.
    public init(_ rowArrays: [[Scalar]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "ragged rows")
        self.init(rows: rowArrays.count, columns: columns, elements: rowArrays.flatMap { $0 })
    }

    /// min(m, n): the rank bound and the size of the thin SVD.
    public var minDimension: Int { Swift.min(rows, columns) }

    /// Element (i, j).
    public subscript(row: Int, column: Int) -> Scalar {
        get { elements[row * columns + column] }
        set { elements[row * columns + column] = newValue }
    }

    /// Row i as an array.
    public func row(_ i: Int) -> [Scalar] { Array(elements[(i * columns)..<((i + 1) * columns)]) }

    /// Column j as an array (a strided gather).
    public func column(_ j: Int) -> [Scalar] { (0..<rows).map { elements[$0 * columns + j] } }

    /// The transpose, as a new row-major matrix. Decompositions never need this; it is for small
    /// matrices and tests.
    public var transposed: Matrix {
        var t = Matrix(zeros: columns, rows)
        for i in 0..<rows {
            for j in 0..<columns { t.elements[j * rows + i] = elements[i * columns + j] }
        }
        return t
    }

    /// The sub-matrix of rows `rowRange` (contiguous in row-major storage, so a single copy).
    public func rows(_ rowRange: Range<Int>) -> Matrix {
        Matrix(rows: rowRange.count, columns: columns,
               elements: Array(elements[(rowRange.lowerBound * columns)..<(rowRange.upperBound * columns)]))
    }

    /// The sub-matrix of columns `columnRange`, copied row by row.
    public func columns(_ columnRange: Range<Int>) -> Matrix {
        var out = [Scalar]()
        out.reserveCapacity(rows * columnRange.count)
        for i in 0..<rows {
            out.append(contentsOf: elements[(i * columns + columnRange.lowerBound)..<(i * columns + columnRange.upperBound)])
        }
        return Matrix(rows: rows, columns: columnRange.count, elements: out)
    }

    /// The same matrix converted element-wise to another scalar type.
    public func converted<Other: LinearAlgebraScalar>(to _: Other.Type = Other.self) -> Matrix<Other> {
        Matrix<Other>(rows: rows, columns: columns, elements: elements.withUnsafeBufferPointer { source in
            HugePageArrays.filled(source.count) { target in
                for i in source.indices { target.initializeElement(at: i, to: Other(source[i])) }
            }
        })
    }

    /// True when every element is finite (no NaN, no ±Inf).
    public var isFinite: Bool { elements.allSatisfy { $0.isFinite } }
}

/// Single-precision matrices: the analysis path.
public typealias MatrixF = Matrix<Float>
/// Double-precision matrices: the reference path.
public typealias MatrixD = Matrix<Double>

extension Matrix {
    /// Copies `block` into this matrix with its top-left corner at (`row`, `column`), row by row.
    /// Precondition: the block fits.
    public mutating func setBlock(row: Int, column: Int, to block: Matrix) {
        precondition(row >= 0 && column >= 0 && row + block.rows <= rows && column + block.columns <= columns, "block does not fit")
        for i in 0..<block.rows {
            let target = (row + i) * columns + column
            elements.replaceSubrange(target..<(target + block.columns), with: block.elements[(i * block.columns)..<((i + 1) * block.columns)])
        }
    }

    /// [A₁; A₂; …]: the matrices stacked top to bottom (contiguous in row-major storage).
    /// Precondition: equal column counts. Empty parts are allowed.
    public static func verticallyConcatenated(_ parts: [Matrix]) -> Matrix {
        let columns = parts.first?.columns ?? 0
        precondition(parts.allSatisfy { $0.columns == columns }, "column counts differ")
        return Matrix(rows: parts.reduce(0) { $0 + $1.rows }, columns: columns, elements: parts.flatMap { $0.elements })
    }
}
