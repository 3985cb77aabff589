/// Element-wise arithmetic, norms and inner products. Inner products and sums of squares are accumulated
/// in Double and returned as Double, so large finite weights (|x| ≳ 1.8e19, whose
/// squares overflow Float) still give finite norms and energies.
extension Matrix {
    /// A − B. Precondition: equal shapes.
    public static func - (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.columns == b.columns, "shape mismatch in subtraction")
        return Matrix(rows: a.rows, columns: a.columns, elements: zip(a.elements, b.elements).map { $0 - $1 })
    }

    /// A + B. Precondition: equal shapes.
    public static func + (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.columns == b.columns, "shape mismatch in addition")
        return Matrix(rows: a.rows, columns: a.columns, elements: zip(a.elements, b.elements).map { $0 + $1 })
    }

    /// s·A.
    public static func * (s: Scalar, a: Matrix) -> Matrix {
        Matrix(rows: a.rows, columns: a.columns, elements: a.elements.map { s * $0 })
    }

    /// A·diag(d): column j multiplied by d[j] (e.g. U·diag(σ)). Precondition: `d.count == columns`.
    public func scalingColumns(by d: [Scalar]) -> Matrix {
        precondition(d.count == columns, "one factor per column")
        var out = self
        for i in 0..<rows {
            for j in 0..<columns { out.elements[i * columns + j] *= d[j] }
        }
        return out
    }

    /// ⟨A, B⟩_F = Σᵢⱼ Aᵢⱼ Bᵢⱼ. Precondition: equal shapes.
    public func frobeniusInner(_ other: Matrix) -> Double {
        precondition(rows == other.rows && columns == other.columns, "shape mismatch in inner product")
        return elements.withUnsafeBufferPointer { x in
            other.elements.withUnsafeBufferPointer { y in
                guard let xp = x.baseAddress, let yp = y.baseAddress else { return 0 }
                return Scalar.wideDot(count: x.count, xp, yp)
            }
        }
    }

    /// ‖A‖²_F = Σᵢⱼ Aᵢⱼ².
    public var frobeniusNormSquared: Double { frobeniusInner(self) }

    /// ‖A‖_F.
    public var frobeniusNorm: Double { frobeniusNormSquared.squareRoot() }

    /// Squared Euclidean norm of each column: result[j] = Σᵢ Aᵢⱼ².
    public var columnNormsSquared: [Double] {
        var out = [Double](repeating: 0, count: columns)
        for i in 0..<rows {
            let base = i * columns
            for j in 0..<columns {
                let v = Double(elements[base + j])
                out[j] += v * v
            }
        }
        return out
    }

    /// Squared Euclidean norm of each row: result[i] = Σⱼ Aᵢⱼ².
    public var rowNormsSquared: [Double] {
        elements.withUnsafeBufferPointer { buffer in
            (0..<rows).map { i in
                guard let base = buffer.baseAddress else { return 0 }
                return Scalar.wideDot(count: columns, base + i * columns, base + i * columns)
            }
        }
    }
}
