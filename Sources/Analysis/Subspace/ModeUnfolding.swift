/// Mode-n unfolding of a row-major (C-order) tensor, the matricisation HOSVD works on:
/// X₍ₙ₎ = moveaxis(X, n, 0).reshape(dₙ, −1), so row i holds every element whose n-th index is i, the
/// remaining indices in their original order (numpy / PyTorch convention).
///
/// Mode 0 is the buffer itself (no copy beyond the array); other modes copy contiguous runs.
public func unfold(_ values: [Float], shape: [Int], mode n: Int) -> MatrixF {
    precondition(shape.reduce(1, *) == values.count && shape.indices.contains(n), "shape does not match values, or no such mode")
    let before = shape[..<n].reduce(1, *)
    let dimension = shape[n]
    let after = shape[(n + 1)...].reduce(1, *)
    guard n > 0 else { return MatrixF(rows: dimension, columns: values.count / Swift.max(dimension, 1), elements: values) }
    var out = [Float](repeating: 0, count: values.count)
    let outColumns = before * after
    for a in 0..<before {
        for i in 0..<dimension {
            let source = (a * dimension + i) * after
            let target = i * outColumns + a * after
            out[target..<(target + after)] = values[source..<(source + after)]
        }
    }
    return MatrixF(rows: dimension, columns: outColumns, elements: out)
}
