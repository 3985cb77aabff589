import CBLAS

/// In-place y ← y + a·x over flat `Float` buffers with BLAS `saxpy`, in chunks of at most 2³⁰ elements
/// so that tensors beyond `blasint`'s range work too. The one element-wise kernel of the merge paths
/// (τᵢ = θᵢ − θ_pre, Σᵢ τᵢ, θ_pre + c·M): no temporary arrays. Precondition: equal counts.
enum ElementwiseUpdate {
    static let chunk = 1 << 30

    /// y ← y + a·x.
    static func add(_ a: Float, _ x: [Float], to y: inout [Float]) {
        precondition(x.count == y.count, "axpy of \(x.count) onto \(y.count) elements")
        x.withUnsafeBufferPointer { xs in
            y.withUnsafeMutableBufferPointer { ys in
                var start = 0
                while start < xs.count {
                    let n = Swift.min(chunk, xs.count - start)
                    cblas_saxpy(blasint(n), a, xs.baseAddress! + start, 1, ys.baseAddress! + start, 1)
                    start += n
                }
            }
        }
    }
}
