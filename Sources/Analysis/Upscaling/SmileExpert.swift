/// One SMILE expert: the rank-k truncation of a task's update ΔWᵢ = Wᵢ − W_pre, stored as FusionBench's
/// `SmileCompressedLinear` (`fusion_bench/models/smile_moe/linear_from_module.py`).
///
/// With the thin SVD ΔWᵢ = Uᵢ Sᵢ Vᵢᵀ and k kept triplets:
///
///     u    = U_{i,:k}                  out×k
///     svh  = diag(S_{i,:k}) V_{i,:k}ᵀ  k×in
///     bias = bᵢ − b_pre                out   (absent when the pretrained layer has no bias)
///
/// so the expert computes Δyᵢ(x) = u (svh x) + bias ≈ ΔWᵢ x + Δbᵢ, with error ‖(ΔWᵢ − ΔW_{i,k}) x‖ ≤
/// σ_{i,k+1} ‖x‖. FusionBench sets the expert bias to the fine-tuned bias minus the pretrained bias when
/// the pretrained layer has one, and registers no bias otherwise; so does this type.
public struct SmileExpert: Sendable, Equatable {
    /// U_{i,:k}, out×k.
    public var u: MatrixF
    /// diag(S_{i,:k}) V_{i,:k}ᵀ, k×in.
    public var svh: MatrixF
    /// bᵢ − b_pre, or nil when the layer has no bias.
    public var bias: [Float]?

    /// An expert over its stored factors. Preconditions: `u.columns == svh.rows`; `bias` has `u.rows` entries.
    public init(u: MatrixF, svh: MatrixF, bias: [Float]? = nil) {
        precondition(u.columns == svh.rows, "u has \(u.columns) columns but svh has \(svh.rows) rows")
        precondition(bias.map { $0.count == u.rows } ?? true, "expert bias length differs from out features")
        self.u = u
        self.svh = svh
        self.bias = bias
    }

    /// The expert keeping the first `rank` triplets of `decomposition` (the thin SVD of ΔWᵢ).
    ///
    /// When the decomposition has fewer than `rank` triplets (a rank-q LoRA update factored without its
    /// exact-zero singular values, or an absent update) the missing columns of `u` and rows of `svh` are
    /// zero: σ = 0 there, so the product — and the output — is the same as FusionBench's full SVD gives.
    public init(decomposition: SingularValueDecomposition<Float>, rank: Int, biasDelta: [Float]?) {
        let kept = decomposition.truncated(to: rank)
        let (m, n) = (decomposition.u.rows, decomposition.vt.columns)
        var u = MatrixF(zeros: m, rank), svh = MatrixF(zeros: rank, n)
        for i in 0..<m {
            for j in 0..<kept.rank { u[i, j] = kept.u[i, j] }
        }
        for j in 0..<kept.rank {
            let sigma = kept.singularValues[j]
            for c in 0..<n { svh[j, c] = sigma * kept.vt[j, c] }
        }
        self.init(u: u, svh: svh, bias: biasDelta)
    }

    /// The expert whose output is β times this one's: u and bias multiplied by β (svh unchanged).
    public func scaled(by beta: Float) -> SmileExpert {
        SmileExpert(u: beta * u, svh: svh, bias: bias.map { $0.map { beta * $0 } })
    }

    /// k, the number of kept triplets (columns of `u`).
    public var rank: Int { u.columns }
    /// in features.
    public var inFeatures: Int { svh.columns }
    /// out features.
    public var outFeatures: Int { u.rows }

    /// ΔW_{i,k} = u · svh, formed densely (out×in): the update this expert applies.
    public var weightDelta: MatrixF { u * svh }

    /// Δyᵢ = (X svhᵀ) uᵀ + 𝟙 biasᵀ for a B×in batch X, one input per row (see ``PlainLinear``); B×out.
    public func forward(_ x: MatrixF) -> MatrixF {
        precondition(x.columns == inFeatures, "input has \(x.columns) features, the expert takes \(inFeatures)")
        var y = x.multiplied(by: svh, transposingOther: true).multiplied(by: u, transposingOther: true)
        if let bias { y.addToEveryRow(bias) }
        return y
    }

    /// k·(out + in), plus out with a bias.
    public var parameterCount: Int { rank * (outFeatures + inFeatures) + (bias?.count ?? 0) }
}
