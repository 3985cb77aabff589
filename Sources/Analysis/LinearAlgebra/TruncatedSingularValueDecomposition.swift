import CLAPACKE

/// The top-k singular triplets of a large matrix without its full SVD, by randomized subspace iteration
/// (Halko, Martinsson & Tropp 2011, Algorithm 4.4) with a **residual certificate**, and the singular values
/// alone through LAPACK's `gesdd` with `jobz = 'N'`.
///
/// For A (m×n) and a block of ℓ = k + p orthonormal trial vectors, each iteration costs two GEMMs of m·n·ℓ:
///
///     B = QᵀA (ℓ×n)  →  thin SVD of the small B = Ũ Σ Vᵀ  →  U = QŨ
///     Y = A V        →  residuals rᵢ = ‖A vᵢ − σᵢ uᵢ‖ (i < k)   →  Q = orth(Y) for the next round
///
/// Aᵀuᵢ = σᵢvᵢ holds exactly for these Ritz triplets, so rᵢ is the whole backward error of triplet i
/// and, with the gap gᵢ = minⱼ≠ᵢ |σᵢ − σⱼ|, bounds the angle between uᵢ (or vᵢ) and the exact singular
/// vector by rᵢ / gᵢ (Wedin). Iteration stops when every triplet i < k has
/// rᵢ ≤ max(`vectorTolerance`·gᵢ, floor) with floor = `floorFactor`·ε·√max(m,n)·σ₁ (what float32 GEMMs can
/// resolve at all, the accuracy level of the exact float path too); if that does not happen within
/// `maxIterations` the caller falls back to the exact LAPACK SVD, so a slow-converging matrix costs time,
/// never accuracy. The Gaussian start is drawn from a fixed seed, so results are reproducible.
public struct TruncatedSVDSettings: Sendable, Equatable {
    /// Extra trial vectors beyond k (ℓ = k + `oversampling`, clamped to r).
    public var oversampling: Int
    /// Power (subspace) iterations allowed before giving up and falling back to the exact SVD.
    public var maxIterations: Int
    /// Required rᵢ / gᵢ (a bound on the sine of each vector's angle error).
    public var vectorTolerance: Double
    /// The float32 noise floor, in units of ε·√max(m, n)·σ₁.
    public var floorFactor: Double
    /// Seed of the Gaussian start block.
    public var seed: UInt64
    /// Below this r = min(m, n) the exact SVD is used: LAPACK's O(r³) is then cheaper than the iteration's
    /// overheads (measured: a 384×384 thin SVD takes ~20 ms in release, about as long as the iteration).
    public var minimumRank: Int

    public init(oversampling: Int = 20, maxIterations: Int = 40, vectorTolerance: Double = 1e-5, floorFactor: Double = 8, seed: UInt64 = 0x5EED_5EED, minimumRank: Int = 1024) {
        self.oversampling = oversampling
        self.minimumRank = minimumRank
        self.maxIterations = maxIterations
        self.vectorTolerance = vectorTolerance
        self.floorFactor = floorFactor
        self.seed = seed
    }
}

/// What a truncated SVD run did.
public struct TruncatedSVDOutcome: Sendable {
    /// The top-k triplets (u m×k, σ k, vt k×n).
    public var decomposition: SingularValueDecomposition<Float>
    /// Subspace iterations performed (0 when the exact path was used from the start).
    public var iterations: Int
    /// True when the randomized iteration did not certify and the exact LAPACK SVD was used instead.
    public var usedExactFallback: Bool
    /// max over i < k of rᵢ / σ₁ at the end (0 for the exact path).
    public var relativeResidual: Double
}

extension Matrix where Scalar == Float {
    /// The top `k` singular triplets, by certified randomized subspace iteration, falling back to the
    /// exact thin SVD (truncated) when the iteration does not certify or when k is not small against r.
    ///
    /// `start` (m×s, orthonormal columns) warm-starts the block: guesses of the leading left singular
    /// vectors, e.g. W_pre's for W_ft = W_pre + ΔW with a small ΔW. Its first min(s, ℓ − k) columns take the
    /// place of as many Gaussian trial vectors (the other ≥ k stay a Gaussian sketch A Ω, so directions the
    /// guess misses are found as from a cold start). It changes how many iterations run, not what is
    /// accepted: the same residual certificate ends the iteration.
    /// - Throws: ``LinearAlgebraError`` as ``singularValueDecomposition(context:)`` does.
    public func topSingularTriplets(
        _ k: Int, settings: TruncatedSVDSettings = TruncatedSVDSettings(), start: MatrixF? = nil, context: String = "matrix"
    ) throws -> TruncatedSVDOutcome {
        let r = minDimension
        let k = Swift.max(0, Swift.min(k, r))
        let l = Swift.min(r, k + settings.oversampling)
        // The randomized path pays when ℓ is small against r; otherwise LAPACK is as fast and exact.
        guard k > 0, 4 * l <= r, r >= settings.minimumRank else {
            let exact = try singularValueDecomposition(context: context).truncated(to: k)
            return TruncatedSVDOutcome(decomposition: exact, iterations: 0, usedExactFallback: false, relativeResidual: 0)
        }
        guard isFinite else { throw LinearAlgebraError.nonFiniteInput(context: context) }
        let floor = settings.floorFactor * Double(Float.ulpOfOne) * Double(Swift.max(rows, columns)).squareRoot()
        // Yᵀ = Ωᵀ Aᵀ (ℓ×m), Ω Gaussian n×ℓ held as its transpose ℓ×n; a warm start's columns replace the
        // first rows.
        let guessed = start.map { Swift.min($0.columns, l - k) } ?? 0
        var generator = SplitMix64(seed: settings.seed)
        let omegaT = generator.gaussianMatrix(l - guessed, columns)
        var sketch = omegaT.multiplied(by: self, transposingOther: true)
        if let start, guessed > 0 {
            precondition(start.rows == rows, "a warm start has one row per row of the matrix")
            sketch = .verticallyConcatenated([start.columns(0..<guessed).transposed, sketch])
        }
        var qt = sketch.lq().orthonormal  // ℓ×m, rows orthonormal
        var worst = Double.infinity
        var previousWorst = Double.infinity
        var stagnant = 0
        for iteration in 1...Swift.max(1, settings.maxIterations) {
            let b = qt.multiplied(by: self)  // ℓ×n
            let small = try b.singularValueDecomposition(context: context)
            let ut = small.u.multiplied(by: qt, transposingSelf: true)  // ℓ×m, row i = uᵢ
            let yt = small.vt.multiplied(by: self, transposingOther: true)  // ℓ×m, row i = A vᵢ
            let sigma = small.singularValues.map(Double.init)
            let sigma1 = Swift.max(sigma.first ?? 0, Double.leastNormalMagnitude)
            var converged = true
            worst = 0
            for i in 0..<k {
                var residual = 0.0
                for c in 0..<rows {
                    let d = Double(yt[i, c]) - sigma[i] * Double(ut[i, c])
                    residual += d * d
                }
                residual = residual.squareRoot() / sigma1
                worst = Swift.max(worst, residual)
                var gap = Double.infinity
                if i > 0 { gap = Swift.min(gap, sigma[i - 1] - sigma[i]) }
                if i + 1 < l { gap = Swift.min(gap, sigma[i] - sigma[i + 1]) }
                if residual > Swift.max(settings.vectorTolerance * gap / sigma1, floor) { converged = false }
            }
            if converged {
                let u = ut.rows(0..<k).transposed
                return TruncatedSVDOutcome(
                    decomposition: SingularValueDecomposition(u: u, singularValues: Array(small.singularValues.prefix(k)), vt: small.vt.rows(0..<k)),
                    iterations: iteration, usedExactFallback: false, relativeResidual: worst)
            }
            // Stagnation at the float floor with a tiny gap: more iterations will not help.
            stagnant = worst > 0.7 * previousWorst ? stagnant + 1 : 0
            if stagnant >= 3 && worst < 100 * floor { break }
            previousWorst = worst
            qt = yt.lq().orthonormal
        }
        let exact = try singularValueDecomposition(context: context).truncated(to: k)
        return TruncatedSVDOutcome(decomposition: exact, iterations: settings.maxIterations, usedExactFallback: true, relativeResidual: 0)
    }

    /// The singular values alone, descending (LAPACK `sgesdd` with `jobz = 'N'`: no singular vectors are
    /// formed, which costs well under half of the full thin SVD), with `sgesvd` as fallback.
    /// - Throws: ``LinearAlgebraError`` for non-finite input or non-convergence.
    public func singularValuesOnly(context: String = "matrix") throws -> [Float] {
        let r = minDimension
        guard r > 0 else { return [] }
        guard isFinite else { throw LinearAlgebraError.nonFiniteInput(context: context) }
        var s = [Float](repeating: 0, count: r)
        for routine in ["gesdd", "gesvd"] {
            var work = elements
            // Row-major m×n is column-major n×m (the transpose): same singular values.
            let m = Int32(columns), n = Int32(rows)
            let info: Int = work.withUnsafeMutableBufferPointer { a in
                s.withUnsafeMutableBufferPointer { sp in
                    var dummyU: Float = 0, dummyVt: Float = 0
                    if routine == "gesdd" {
                        let iwork = UnsafeMutablePointer<Int32>.allocate(capacity: 8 * r)
                        defer { iwork.deallocate() }
                        return withWorkspace(Float.self) { w, lwork in
                            LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), m, n, a.baseAddress!, m, sp.baseAddress!, &dummyU, 1, &dummyVt, 1, w, lwork, iwork)
                        }
                    }
                    let job = Int8(UInt8(ascii: "N"))
                    return withWorkspace(Float.self) { w, lwork in
                        LAPACKE_sgesvd_work(LAPACK_COL_MAJOR, job, job, m, n, a.baseAddress!, m, sp.baseAddress!, &dummyU, 1, &dummyVt, 1, w, lwork)
                    }
                }
            }
            if info == 0 { return s }
            if info < 0 { throw LinearAlgebraError.lapackArgument(routine: routine, context: context, info: info) }
            if routine == "gesvd" { throw LinearAlgebraError.svdDidNotConverge(context: context, info: info) }
        }
        fatalError("unreachable: the loop returns or throws")
    }
}


extension Matrix where Scalar == Float {
    /// The top `k` singular triplets from the Gram matrix of the smaller side (AAᵀ when m ≤ n, else AᵀA)
    /// and LAPACK `ssyevr` restricted to its k largest eigenpairs (MRRR: only those eigenvectors are
    /// formed). σᵢ = √λᵢ; the other side's vectors are A vᵢ / σᵢ (or Aᵀuᵢ / σᵢ), renormalised.
    ///
    /// Squaring hurts only small singular values: the angle error of triplet i is about
    /// ε·σ₁² / ((σᵢ + σᵢ₊₁)·gapᵢ) ≈ ε·σ₁ / (2·gapᵢ) for the top ones, the exact path's own level. When
    /// σ_k < 10·√ε·σ₁ (where that stops holding) the exact SVD is used instead.
    /// - Throws: ``LinearAlgebraError`` as ``singularValueDecomposition(context:)`` does.
    public func topSingularTripletsFromGram(_ k: Int, context: String = "matrix") throws -> TruncatedSVDOutcome {
        let r = minDimension
        let k = Swift.max(0, Swift.min(k, r))
        let exact = { TruncatedSVDOutcome(decomposition: try self.singularValueDecomposition(context: context).truncated(to: k), iterations: 0, usedExactFallback: true, relativeResidual: 0) }
        guard k > 0, k < r else { return try exact() }
        guard isFinite else { throw LinearAlgebraError.nonFiniteInput(context: context) }
        let leftSide = rows <= columns
        let gram = leftSide ? multiplied(by: self, transposingOther: true) : multiplied(by: self, transposingSelf: true)
        let size = gram.rows
        var a = gram.elements
        var w = [Float](repeating: 0, count: size)
        var z = [Float](repeating: 0, count: size * k)
        var isuppz = [Int32](repeating: 0, count: 2 * size)
        var found: Int32 = 0
        let info: Int32 = a.withUnsafeMutableBufferPointer { ap in
            w.withUnsafeMutableBufferPointer { wp in
                z.withUnsafeMutableBufferPointer { zp in
                    isuppz.withUnsafeMutableBufferPointer { ip in
                        let jobz = Int8(UInt8(ascii: "V")), range = Int8(UInt8(ascii: "I")), uplo = Int8(UInt8(ascii: "U"))
                        var workSize: Float = 0, iworkSize: Int32 = 0
                        let n = Int32(size)
                        let query = LAPACKE_ssyevr_work(LAPACK_COL_MAJOR, jobz, range, uplo, n, ap.baseAddress!, n, 0, 0, n - Int32(k) + 1, n, 0, &found, wp.baseAddress!, zp.baseAddress!, n, ip.baseAddress!, &workSize, -1, &iworkSize, -1)
                        guard query == 0 else { return query }
                        let lwork = workspaceLength(workSize), liwork = Swift.max(1, Int(iworkSize))
                        let work = UnsafeMutablePointer<Float>.allocate(capacity: lwork)
                        let iwork = UnsafeMutablePointer<Int32>.allocate(capacity: liwork)
                        defer { work.deallocate(); iwork.deallocate() }
                        return LAPACKE_ssyevr_work(LAPACK_COL_MAJOR, jobz, range, uplo, n, ap.baseAddress!, n, 0, 0, n - Int32(k) + 1, n, 0, &found, wp.baseAddress!, zp.baseAddress!, n, ip.baseAddress!, work, Int32(lwork), iwork, Int32(liwork))
                    }
                }
            }
        }
        if info < 0 { throw LinearAlgebraError.lapackArgument(routine: "syevr", context: context, info: Int(info)) }
        guard info == 0, Int(found) == k else { return try exact() }
        // Ascending eigenpairs; column-major z (size×k) read row-major is k×size with row j = eigenvector j.
        let order = (0..<k).reversed()
        let sigma = order.map { Float(Swift.max(0, Double(w[$0])).squareRoot()) }
        guard let top = sigma.first, top > 0, Double(sigma[k - 1]) >= 10 * Double(Float.ulpOfOne).squareRoot() * Double(top) else { return try exact() }
        var vectors = [Float]()
        vectors.reserveCapacity(k * size)
        for j in order { vectors.append(contentsOf: z[(j * size)..<((j + 1) * size)]) }
        let eigen = Matrix(rows: k, columns: size, elements: vectors)  // k×size, orthonormal rows
        // The other side: rows of eigen·A (k×n) or eigen·Aᵀ (k×m), scaled to unit norm.
        var other = leftSide ? eigen.multiplied(by: self) : eigen.multiplied(by: self, transposingOther: true)
        let norms = other.rowNormsSquared.map { $0.squareRoot() }
        for i in 0..<k {
            let scale = norms[i] > 0 ? Float(1 / norms[i]) : 0
            for c in 0..<other.columns { other[i, c] *= scale }
        }
        let decomposition = leftSide
            ? SingularValueDecomposition(u: eigen.transposed, singularValues: sigma, vt: other)
            : SingularValueDecomposition(u: other.transposed, singularValues: sigma, vt: eigen)
        return TruncatedSVDOutcome(decomposition: decomposition, iterations: 0, usedExactFallback: false, relativeResidual: 0)
    }
}
