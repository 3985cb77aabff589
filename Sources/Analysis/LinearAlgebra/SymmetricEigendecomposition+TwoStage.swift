import CLAPACKE

extension Matrix where Scalar == Double {
    /// All eigenvalues λ₁ ≥ … ≥ λₙ of this symmetric n×n matrix, without eigenvectors, by LAPACK's
    /// two-stage tridiagonal reduction: `dsytrd_sy2sb` (full → band of half-width kd by BLAS-3 blocks),
    /// `dsytrd_sb2st` (band → tridiagonal by bulge chasing, in cache), then `dsterf` — what `dsyev_2stage`
    /// with `jobz = 'N'` runs, with kd = ``twoStageBandwidth`` instead of its 32. The one-stage `dsytrd`
    /// spends half of its (4/3)n³ flops in matrix–vector products that stream the trailing matrix from
    /// memory; the first stage here is all GEMM-class, and each of its n/kd panel steps packs the trailing
    /// matrix for `dsymm`, so a wider band packs less (4096², one thread: 3.9 s at kd = 64 against
    /// 4.2 s at 32 and 128, benchmarks/RESULTS.md run 14). Below 4·kd, `dsyev_2stage` as is. The matrix is
    /// destroyed.
    ///
    /// Accuracy: backward stable like the one-stage reduction, each λⱼ within a small multiple of
    /// ε_d·‖S‖₂ of the exact one (`TwoStageEigenvaluesTests` checks it against `dsyevd` and a Double SVD
    /// at κ² ≈ 10¹⁶). Both triangles must hold S.
    /// - Throws: ``LinearAlgebraError`` for non-finite input or when LAPACK fails.
    public mutating func eigenvaluesByTwoStageReduction(context: String = "matrix") throws -> [Double] {
        precondition(rows == columns, "eigenvalues need a square matrix")
        guard rows > 0 else { return [] }
        guard isFinite else { throw LinearAlgebraError.nonFiniteInput(context: context) }
        let kd = Self.twoStageBandwidth
        guard rows >= 4 * kd else {
            var ascending = [Double](repeating: 0, count: rows)
            try Self.check("dsyev_2stage", context, elements.withUnsafeMutableBufferPointer { a in
                LAPACKE_dsyev_2stage(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int8(UInt8(ascii: "U")), Int32(rows), a.baseAddress!, Int32(rows), &ascending)
            })
            return ascending.reversed()
        }
        var n = Int32(rows), lda = Int32(rows), band = Int32(kd), ldab = Int32(kd + 1), info: Int32 = 0
        var upper = CChar(UInt8(ascii: "U")), yes = CChar(UInt8(ascii: "Y")), no = CChar(UInt8(ascii: "N"))
        var ab = [Double](repeating: 0, count: (kd + 1) * rows), tau = [Double](repeating: 0, count: rows)
        // Workspace sizes by LAPACK's own queries (lwork = −1).
        var lwork: Int32 = -1, lhous: Int32 = -1, workSize = [Double](repeating: 0, count: 1), houseSize = [Double](repeating: 0, count: 1)
        dsytrd_sy2sb_(&upper, &n, &band, &elements, &lda, &ab, &ldab, &tau, &workSize, &lwork, &info, 1)
        try Self.check("dsytrd_sy2sb", context, info)
        lwork = Int32(Swift.max(1, Int(workSize[0])))
        var work = [Double](repeating: 0, count: Int(lwork))
        dsytrd_sy2sb_(&upper, &n, &band, &elements, &lda, &ab, &ldab, &tau, &work, &lwork, &info, 1)
        try Self.check("dsytrd_sy2sb", context, info)
        var d = [Double](repeating: 0, count: rows), e = [Double](repeating: 0, count: rows - 1)
        lwork = -1
        dsytrd_sb2st_(&yes, &no, &upper, &n, &band, &ab, &ldab, &d, &e, &houseSize, &lhous, &workSize, &lwork, &info, 1, 1, 1)
        try Self.check("dsytrd_sb2st", context, info)
        lhous = Int32(Swift.max(1, Int(houseSize[0])))
        lwork = Int32(Swift.max(1, Int(workSize[0])))
        var house = [Double](repeating: 0, count: Int(lhous))
        work = [Double](repeating: 0, count: Int(lwork))
        dsytrd_sb2st_(&yes, &no, &upper, &n, &band, &ab, &ldab, &d, &e, &house, &lhous, &work, &lwork, &info, 1, 1, 1)
        try Self.check("dsytrd_sb2st", context, info)
        try Self.check("dsterf", context, LAPACKE_dsterf(n, &d, &e))
        return d.reversed()
    }

    /// kd, the half-width of the band the first stage of ``eigenvaluesByTwoStageReduction(context:)``
    /// reduces to.
    public static let twoStageBandwidth = 64
}

/// Settings of the certified block iteration for a few leading eigenvectors of a large positive
/// semidefinite matrix (``Matrix/leadingEigenvectorsByIteration(keeping:bound:settings:context:)``).
public struct LeadingEigenvectorIteration: Sendable, Equatable {
    /// ℓ, the width of the iterated block.
    public var blockSize: Int
    /// At most ℓ − `oversampling` vectors are taken from the block (the rest speed up convergence).
    public var oversampling: Int
    /// Below this n the exact eigensolver is used (it costs milliseconds there).
    public var minimumSize: Int
    /// Iterations allowed for the Ritz values to bound the number of vectors from above before giving up.
    public var probeIterations: Int
    /// Iterations allowed in all before falling back to the exact eigensolver.
    public var maxIterations: Int
    /// Required rᵢ/δᵢ, a bound on the sine of each vector's angle to the exact eigenvector.
    public var tolerance: Double
    /// Seed of the Gaussian start block.
    public var seed: UInt64

    public init(blockSize: Int = 64, oversampling: Int = 16, minimumSize: Int = 512, probeIterations: Int = 4, maxIterations: Int = 40, tolerance: Double = 1e-8, seed: UInt64 = 0x5EED_14B) {
        self.blockSize = blockSize
        self.oversampling = oversampling
        self.minimumSize = minimumSize
        self.probeIterations = probeIterations
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.seed = seed
    }
}

extension Matrix where Scalar == Double {
    /// All eigenvalues of this symmetric positive semidefinite n×n matrix S (two-stage reduction, see
    /// ``eigenvaluesByTwoStageReduction(context:)``) and the eigenvectors of its k largest by block
    /// subspace iteration with a residual certificate, or nil when that does not apply or does not
    /// certify — then nothing is lost but the iterations: S is left unchanged for the exact eigensolver.
    ///
    /// Each iteration costs one n×n·n×ℓ GEMM (Y = S X) and a Rayleigh–Ritz step on XᵀSX (ℓ×ℓ), giving
    /// Ritz pairs (θᵢ, zᵢ), θ descending, and residuals rᵢ = ‖S zᵢ − θᵢ zᵢ‖.
    ///
    /// - Probe: by Cauchy interlacing θᵢ ≤ λᵢ, so partial sums of θ bound those of λ from below; `bound`
    ///   turns the Ritz values and trace(S) into an upper bound on the k that `keep` will ask for (e.g. the
    ///   90%-energy rank: the first j with Σ_{i≤j} θᵢ ≥ 0.9·trace), or nil while it cannot. Without a bound
    ///   ≤ ℓ − oversampling after `probeIterations`, nil is returned before any eigenvalue is computed.
    /// - Then all n eigenvalues come from the two-stage reduction of a copy of S, k = `keep(λ)` (nil if
    ///   k > ℓ − oversampling).
    /// - Certificate: for a unit z with Rayleigh quotient θ and residual r, the angle to the eigenvector of
    ///   the eigenvalue nearest θ obeys sin∠ ≤ r/δ with δ = min over the other eigenvalues |λⱼ − θ|
    ///   (Davis–Kahan); with all λ known, δᵢ is computed, not estimated. Iteration stops when every i < k
    ///   has λᵢ − θᵢ ≤ rᵢ + f (θᵢ belongs to λᵢ) and rᵢ ≤ max(`tolerance`·δᵢ, f) with f = 64·√n·ε_d·λ₁, the rounding level of the products, which
    ///   is also the exact eigensolver's own accuracy (ε_d·λ₁/gap). A cluster (δᵢ ≤ f: eigenvectors not
    ///   individually defined) or `maxIterations` without certification returns nil.
    ///
    /// Returns λ₁ ≥ … ≥ λₙ, a k×n matrix whose row i is the unit eigenvector of λᵢ (arbitrary sign), and
    /// the iterations run.
    /// - Throws: ``LinearAlgebraError`` for non-finite input or when LAPACK fails.
    public func leadingEigenvectorsByIteration(
        keeping keep: ([Double]) -> Int, bound: (_ ritzValues: [Double], _ trace: Double) -> Int?,
        settings: LeadingEigenvectorIteration = LeadingEigenvectorIteration(), context: String = "matrix"
    ) throws -> (eigenvalues: [Double], vectors: Matrix<Double>, iterations: Int)? {
        precondition(rows == columns, "eigenvectors need a square matrix")
        let n = rows
        let l = Swift.min(settings.blockSize, n)
        let usable = l - settings.oversampling
        guard n >= settings.minimumSize, usable > 0 else { return nil }
        guard isFinite else { throw LinearAlgebraError.nonFiniteInput(context: context) }
        let trace = (0..<n).reduce(0.0) { $0 + self[$1, $1] }
        guard trace > 0 else { return nil }
        var generator = SplitMix64(seed: settings.seed)
        var basis = generator.gaussianMatrix(l, n).converted(to: Double.self).lq().orthonormal  // ℓ×n, rows orthonormal
        var eigenvalues: [Double]?
        var k = 0
        for iteration in 1...Swift.max(1, settings.maxIterations) {
            let image = basis.multiplied(by: self)  // row i = S xᵢ (S symmetric)
            var projected = image.multiplied(by: basis, transposingOther: true)  // XᵀSX, ℓ×ℓ
            for i in 0..<l {
                for j in 0..<i { projected[i, j] = 0.5 * (projected[i, j] + projected[j, i]); projected[j, i] = projected[i, j] }
            }
            let ritz = try projected.symmetricEigendecomposition(context: context)
            let theta = ritz.eigenvalues
            let vectors = ritz.vectors.multiplied(by: basis)  // row i = zᵢ
            let images = ritz.vectors.multiplied(by: image)  // row i = S zᵢ
            if eigenvalues == nil {
                guard let limit = bound(theta, trace), limit <= usable else {
                    if iteration >= settings.probeIterations { return nil }
                    basis = images.lq().orthonormal
                    continue
                }
                var copy = self
                let values = try copy.eigenvaluesByTwoStageReduction(context: context)
                k = Swift.max(0, Swift.min(n, keep(values)))
                guard k <= usable else { return nil }
                if k == 0 { return (values, Matrix(zeros: 0, n), iteration) }
                eigenvalues = values
            }
            let lambda = eigenvalues!
            let floor = 64 * Double(n).squareRoot() * Double.ulpOfOne * Swift.max(lambda[0], 0)
            var certified = true
            for i in 0..<k {
                var residual = 0.0
                for c in 0..<n {
                    let d = images[i, c] - theta[i] * vectors[i, c]
                    residual += d * d
                }
                residual = residual.squareRoot()
                var nearest = Double.infinity, separation = Double.infinity  // |λⱼ − θᵢ|: smallest, second smallest
                for value in lambda {
                    let d = abs(value - theta[i])
                    if d < nearest { separation = nearest; nearest = d } else if d < separation { separation = d }
                }
                if separation <= floor { return nil }
                // θᵢ must sit by λᵢ itself (θᵢ ≤ λᵢ, and some eigenvalue lies within rᵢ of θᵢ): a Ritz value
                // still below a missed eigenvalue is not certified, however small its residual.
                if residual > Swift.max(settings.tolerance * separation, floor) || lambda[i] - theta[i] > residual + floor { certified = false }
            }
            if certified { return (lambda, vectors.rows(0..<k), iteration) }
            basis = images.lq().orthonormal
        }
        return nil
    }
}
