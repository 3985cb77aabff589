import CBLAS

/// Settings of ``Matrix/leadingSingularSpectrum(holding:minimumDepth:vectors:settings:context:)``: when the
/// block iteration is tried, how far it may grow, and what it must certify.
public struct LeadingSpectrumSettings: Sendable, Equatable {
    /// ℓ of the first block (clamped to the cap).
    public var initialBlock: Int
    /// Ritz pairs the block keeps beyond the depth k (they speed convergence and bound λ_{k+1}).
    public var oversampling: Int
    /// The block never grows past this fraction of r = min(m, n): deeper, the complete tridiagonal
    /// reduction is cheaper (benchmarks/RESULTS.md, run 7, measures the crossover).
    public var maximumBlockFraction: Double
    /// Below this r the complete reduction is used from the start (it costs milliseconds there).
    public var minimumRank: Int
    /// Power iterations allowed in all (over every block size) before handing over to the exact path.
    public var maxIterations: Int
    /// Required ε / θ_k: the certified bound ε on every reported σᵢ² (σᵢ² ∈ [θᵢ, θᵢ + ε]) relative to the
    /// smallest reported one.
    public var valueTolerance: Double
    /// Required rᵢ / δᵢ for every vector pair read: a bound on the sine of its angle to the exact one.
    public var vectorTolerance: Double
    /// Seed of the Gaussian start block.
    public var seed: UInt64
    /// Judge the first block by the range-finder sketch of one Float pass before any Double pass (and a
    /// grown block after its first pass), and give up at once when it rules out a certificate
    /// (``Matrix/sketchRulesOutCertificate(basis:image:fraction:trace:level:context:)``); false: only after
    /// a block's second pass (the path before; kept for same-run comparisons). Results are the same either
    /// way: only when the exact path takes over changes.
    public var firstPassSketch: Bool

    public init(initialBlock: Int = 32, oversampling: Int = 8, maximumBlockFraction: Double = 0.25, minimumRank: Int = 512, maxIterations: Int = 24,
                valueTolerance: Double = 1e-9, vectorTolerance: Double = 1e-8, seed: UInt64 = 0x5EED_0024, firstPassSketch: Bool = true) {
        self.initialBlock = initialBlock
        self.oversampling = oversampling
        self.maximumBlockFraction = maximumBlockFraction
        self.minimumRank = minimumRank
        self.maxIterations = maxIterations
        self.valueTolerance = valueTolerance
        self.vectorTolerance = vectorTolerance
        self.seed = seed
        self.firstPassSketch = firstPassSketch
    }
}

/// The leading part of a matrix's singular spectrum, certified: what
/// ``Matrix/leadingSingularSpectrum(holding:minimumDepth:vectors:settings:context:)`` returns.
public struct LeadingSingularSpectrum: Sendable {
    /// s₁ ≥ … ≥ s_k (k = the depth): Ritz values, each a lower bound on σᵢ with σᵢ² ≤ sᵢ² + `squaredValueBound`.
    public var singularValues: [Double]
    /// The leading `vectors` singular triplets (u m×v, s, vᵀ v×n), as Float.
    public var decomposition: SingularValueDecomposition<Float>
    /// ‖A‖²_F, summed exactly in Double.
    public var energy: Double
    /// ‖A‖²_F − Σ sᵢ²: an upper bound on the uncaptured energy Σ_{i>k} σᵢ², which is at least this minus
    /// k·`squaredValueBound`.
    public var uncapturedEnergy: Double
    /// ε: every σᵢ² (i ≤ k) lies in [sᵢ², sᵢ² + ε].
    public var squaredValueBound: Double
    /// Power iterations run, and the final block width ℓ.
    public var iterations: Int
    public var blockSize: Int
}

extension Matrix where Scalar == Float {
    /// The leading singular values of this m×n Float matrix A until they hold `fraction` of ‖A‖²_F, and the
    /// singular vector pairs of the first `vectors(s, ‖A‖²_F)` of them (at most k), by block subspace iteration with
    /// Rayleigh–Ritz on the Gram operator G = AᵀA (m ≥ n) or AAᵀ (m < n), r = min(m, n) — never forming G;
    /// nil when the iteration does not apply or cannot certify: then use the exact path
    /// (``singularValueDecompositionFromGram(keepingVectors:vectorBound:iteration:tolerance:context:)``).
    ///
    /// Each iteration is one pass over A in 32 MB blocks converted to Double: for a block X (ℓ×r,
    /// orthonormal rows) P = A Xᵀ (tall) or X A (wide) and S = X G, 2·m·n·ℓ multiply-adds by `dgemm`.
    /// Rayleigh–Ritz on X G Xᵀ gives Ritz pairs (θᵢ, zᵢ), θ descending, residuals rᵢ = ‖G zᵢ − θᵢ zᵢ‖ (G zᵢ
    /// is a row of W S, no extra pass), and the next block is orth(S). The trace T = ‖A‖²_F is exact.
    ///
    /// Depth: k = the first j with Σ_{i≤j} θᵢ ≥ `fraction`·T (at least `minimumDepth`). By Ky Fan
    /// Σ_{i≤j} θᵢ ≤ Σ_{i≤j} λᵢ, so every energy rank up to `fraction` is ≤ k. k must leave `oversampling`
    /// pairs in the block, else the block doubles, up to min(`maximumBlockFraction`·r, 2/(1 − fraction) +
    /// `oversampling`): the certificate below needs θ_k > τ > (1 − fraction)·T − θ_k, i.e. every kept
    /// θ above (1 − fraction)·T/2, so no certifiable depth reaches 2/(1 − fraction). When the block's
    /// smallest Ritz value is already below that level without holding the fraction (a spread spectrum:
    /// full fine-tunes, noise), nil — for the first block already before any Double pass, when a Float
    /// pass's range-finder sketch shows it (``floatSketchRulesOutCertificate(basis:tall:fraction:context:)``),
    /// for a grown block after its first pass (the same test on that pass), else after the second.
    ///
    /// Certificate (exact arithmetic, to rounding of the Double products): on the complement of the k Ritz
    /// vectors G compresses to N with trace(N) = T − Σ_{i≤k} θᵢ =: τ ≥ λ_max(N) ≥ λ_{k+1} (N is positive
    /// semidefinite; Cauchy). With η = θ_k − τ > 0 the quadratic residual bound (Li & Li 2005) pairs the k
    /// Ritz values with λ₁…λ_k and gives 0 ≤ λᵢ − θᵢ ≤ ε := ‖R_k‖²_F / η (θᵢ ≤ λᵢ is Cauchy interlacing).
    /// Accepted when ε ≤ `valueTolerance`·θ_k and, for each vector pair read, rᵢ ≤ `vectorTolerance`·δᵢ
    /// with δᵢ = min(min_{j≤k, j≠i} |θⱼ − θᵢ| − ε, θᵢ − τ − ε), the distance to every other eigenvalue
    /// (Davis–Kahan: sin∠(zᵢ, exact) ≤ rᵢ/δᵢ; λ_{k+1} ≤ τ + ε by the same pairing). A cluster (δᵢ ≤ 0), a
    /// spectrum too flat for η > 0 (either still so after 4 passes at one width) or `maxIterations`
    /// without a certificate → nil.
    ///
    /// sᵢ = √θᵢ = ‖A zᵢ‖; the other side is A zᵢ / sᵢ from the last pass's P. The Gaussian start is
    /// seeded, so results are reproducible.
    /// - Throws: ``LinearAlgebraError`` for non-finite input or when LAPACK fails.
    public func leadingSingularSpectrum(holding fraction: Double, minimumDepth: Int = 0, vectors: (_ singularValues: [Double], _ energy: Double) -> Int,
                                        settings: LeadingSpectrumSettings = LeadingSpectrumSettings(), context: String = "matrix") throws -> LeadingSingularSpectrum? {
        let r = minDimension, tall = rows >= columns
        // θ_k > τ = T − Σ_{i≤k} θᵢ > (1 − fraction)·T − θ_k at the depth k, so a certificate needs
        // θ_k > (1 − fraction)·T/2 and hence k < 2/(1 − fraction): the block never needs to be wider.
        let deepest = fraction < 1 ? Int(Swift.min(Double(r), (2 / (1 - fraction)).rounded(.up))) + settings.oversampling : r
        let cap = Swift.min(r, Int(settings.maximumBlockFraction * Double(r)), deepest)
        var width = Swift.min(cap, Swift.max(settings.initialBlock, minimumDepth + settings.oversampling))
        // fraction ≥ 1 asks for every σ (float32 rounding alone spreads over all of them): the complete path.
        guard fraction < 1, r >= settings.minimumRank, width > settings.oversampling, minimumDepth + settings.oversampling <= cap else { return nil }
        guard isFinite else { throw LinearAlgebraError.nonFiniteInput(context: context) }
        var generator = SplitMix64(seed: settings.seed)
        var basis = generator.gaussianMatrix(width, r).converted(to: Double.self).lq().orthonormal
        if settings.firstPassSketch, try floatSketchRulesOutCertificate(basis: basis, tall: tall, fraction: fraction, context: context) { return nil }
        var passesAtWidth = 0, trace = 0.0
        for iteration in 1...Swift.max(1, settings.maxIterations) {
            let (image, other, sumOfSquares) = gramPass(basis, tall: tall)
            if iteration == 1 {
                trace = sumOfSquares
                guard trace > 0 else { return nil }
            }
            let certifiable = (1 - fraction) * trace / 2
            passesAtWidth += 1
            if passesAtWidth < 2 {  // a random block's Ritz values say nothing yet; its sketch may rule out a certificate
                if settings.firstPassSketch, iteration > 1, try Self.sketchRulesOutCertificate(basis: basis, image: image, fraction: fraction, trace: trace, level: certifiable, context: context) { return nil }
                basis = image.lq().orthonormal
                continue
            }
            let ritz = try Self.rayleighRitz(basis: basis, image: image, context: context)
            let theta = ritz.values
            var running = 0.0
            var depth: Int?
            for (j, value) in theta.enumerated() {
                running += Swift.max(0, value)
                if running >= (fraction - 1e-12) * trace { depth = Swift.max(j + 1, minimumDepth); break }
            }
            guard let k = depth, k + settings.oversampling <= width else {
                // Too narrow. A certifiable depth has every θ_j > (1 − fraction)·T/2 (see above): once the
                // block reaches below that without holding the fraction, no width will do; else double it.
                if width >= cap || (depth == nil && theta[width - 1] <= certifiable) { return nil }
                width = Swift.min(cap, 2 * width)
                basis = Matrix<Double>.verticallyConcatenated([image, generator.gaussianMatrix(width - image.rows, r).converted(to: Double.self)]).lq().orthonormal
                passesAtWidth = 0
                continue
            }
            switch Self.certificate(theta: theta, residuals: ritz.residuals, depth: k, trace: trace, vectors: vectors, settled: passesAtWidth >= 4, settings: settings) {
            case .fails:
                return nil
            case .notYet:
                basis = image.lq().orthonormal
            case let .certified(bound, kept):
                return leadingResult(ritz: ritz, basis: basis, other: other, tall: tall, depth: k, kept: kept, trace: trace, bound: bound, iterations: iteration, width: width)
            }
        }
        return nil
    }

    /// One pass over A for the block X (ℓ×r): S = X G (ℓ×r), P = A Xᵀ (m×ℓ, tall) or X A (ℓ×n, wide), and
    /// ‖A‖²_F summed in Double (`ddot` over the converted blocks).
    private func gramPass(_ basis: Matrix<Double>, tall: Bool) -> (image: Matrix<Double>, other: Matrix<Double>, sumOfSquares: Double) {
        let l = basis.rows, r = basis.columns
        var image = Matrix<Double>(zeros: l, r)
        var other = tall ? Matrix<Double>(zeros: rows, l) : Matrix<Double>(zeros: l, columns)
        var sumOfSquares = 0.0
        forEachBlock(tall: tall, size: gramBlockSize) { block, start in
            sumOfSquares += block.elements.withUnsafeBufferPointer { cblas_ddot(blasint($0.count), $0.baseAddress!, 1, $0.baseAddress!, 1) }
            // tall: block B (b×n), Pb = B Xᵀ (b×ℓ), S += Pbᵀ B; wide: block B (m×b), Pb = X B (ℓ×b), S += Pb Bᵀ.
            let product = tall ? block.multiplied(by: basis, transposingOther: true) : basis.multiplied(by: block)
            product.elements.withUnsafeBufferPointer { pp in
                block.elements.withUnsafeBufferPointer { bp in
                    image.elements.withUnsafeMutableBufferPointer { sp in
                        if tall {
                            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, blasint(l), blasint(r), blasint(block.rows), 1,
                                        pp.baseAddress!, blasint(l), bp.baseAddress!, blasint(r), 1, sp.baseAddress!, blasint(r))
                        } else {
                            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(l), blasint(r), blasint(block.columns), 1,
                                        pp.baseAddress!, blasint(block.columns), bp.baseAddress!, blasint(block.columns), 1, sp.baseAddress!, blasint(r))
                        }
                    }
                }
            }
            if tall { other.setBlock(row: start, column: 0, to: product) } else { other.setBlock(row: 0, column: start, to: product) }
        }
        return (image, other, sumOfSquares)
    }

    /// Ritz pairs of G on the rows of `basis` (X, with `image` = X G): θ descending, the rotation W (ℓ×ℓ,
    /// row i gives zᵢ = wᵢ X), and rᵢ = ‖G zᵢ − θᵢ zᵢ‖.
    private static func rayleighRitz(basis: Matrix<Double>, image: Matrix<Double>, context: String) throws -> (values: [Double], rotation: Matrix<Double>, residuals: [Double]) {
        var projected = image.multiplied(by: basis, transposingOther: true)
        let l = projected.rows
        for i in 0..<l {
            for j in 0..<i { projected[i, j] = 0.5 * (projected[i, j] + projected[j, i]); projected[j, i] = projected[i, j] }
        }
        let eigen = try projected.symmetricEigendecomposition(context: context)
        var residual = eigen.vectors.multiplied(by: image)  // rows G zᵢ
        let vectors = eigen.vectors.multiplied(by: basis)  // rows zᵢ
        for i in 0..<l {
            for c in 0..<residual.columns { residual[i, c] -= eigen.eigenvalues[i] * vectors[i, c] }
        }
        return (eigen.eigenvalues, eigen.vectors, residual.rowNormsSquared.map { $0.squareRoot() })
    }

    /// The first block's range-finder test (``sketchRulesOutCertificate(basis:image:fraction:trace:level:context:)``)
    /// from a pass over A in Float, before any Double pass: P = A Xᵀ (tall) or X A (wide) and S = PᵀA or
    /// P Aᵀ by `sgemm` on A in place (two m·n·ℓ Float products, no Double copy of A), ‖A‖²_F summed in
    /// Double. Float rounding (≈ 10⁻⁷·λ₁) is far below the level the test compares with ((1 − f)·T/2), and
    /// the test only decides how fast the answer comes, never what it is.
    private func floatSketchRulesOutCertificate(basis: Matrix<Double>, tall: Bool, fraction: Double, context: String) throws -> Bool {
        let x = basis.converted(to: Float.self)
        let image: MatrixF
        if tall {
            image = multiplied(by: x, transposingOther: true).multiplied(by: self, transposingSelf: true)
        } else {
            image = x.multiplied(by: self).multiplied(by: self, transposingOther: true)
        }
        let trace = elements.reduce(0.0) { $0 + Double($1) * Double($1) }
        guard trace > 0 else { return false }
        return try Self.sketchRulesOutCertificate(basis: basis, image: image.converted(to: Double.self), fraction: fraction, trace: trace,
                                                  level: (1 - fraction) * trace / 2, context: context)
    }

    /// The range-finder test after a block's first pass, with no further pass over A: Q = orth(P) for
    /// P = A Xᵀ (tall; Xᵀ-side of Aᵀ when wide), whose sketch QᵀA has Gram C = Λ^{-1/2} W S Sᵀ Wᵀ Λ^{-1/2}
    /// from PᵀP = X G Xᵀ = Wᵀ Λ W and S = X G (directions with λ ≤ 10⁻¹²·λ₁ dropped). C's eigenvalues
    /// μ₁ ≥ … ≥ μ_ℓ are Ritz values of A Aᵀ on range(P): lower bounds on λ₁…λ_ℓ (interlacing), half a power
    /// step ahead of the first pass's own Ritz values. True when, as the second pass would conclude, no width can certify:
    /// the sketch misses more than twice the share the fraction leaves, Σμ < (1 − 2(1 − `fraction`))·T, while
    /// the block already reaches μ_ℓ ≤ `level` = (1 − fraction)·T/2 (a spread spectrum: noise, full
    /// fine-tunes). Twice, not once: one range-finder pass loses about (1 + k/(p − 1)) times the tail
    /// Σ_{j>k} λⱼ of the directions it should hold (Halko, Martinsson & Tropp 2011, Thm 10.5; p = ℓ − k), so
    /// a certifiable spectrum whose tail is a flat bulk just under (1 − fraction)·T — rank-16 updates with
    /// BF16 rounding, ρ ≈ 0.7% — sketches below fraction·T and was given up although two more passes certify it.
    /// A judgement of speed only: whatever it says, the exact path or a certificate gives the answer. One ℓ×ℓ
    /// eigenproblem twice and an ℓ×r·ℓ product, against a pass of 2·m·n·ℓ multiply-adds saved.
    static func sketchRulesOutCertificate(basis: Matrix<Double>, image: Matrix<Double>, fraction: Double, trace: Double, level: Double, context: String) throws -> Bool {
        let l = basis.rows
        var gram = image.multiplied(by: basis, transposingOther: true)  // X G Xᵀ = PᵀP
        var squares = image.multiplied(by: image, transposingOther: true)  // S Sᵀ = X G² Xᵀ
        for i in 0..<l {
            for j in 0..<i {
                gram[i, j] = 0.5 * (gram[i, j] + gram[j, i]); gram[j, i] = gram[i, j]
                squares[i, j] = 0.5 * (squares[i, j] + squares[j, i]); squares[j, i] = squares[i, j]
            }
        }
        let pass = try gram.symmetricEigendecomposition(context: context)
        guard let largest = pass.eigenvalues.first, largest > 0 else { return false }
        let kept = pass.eigenvalues.prefix { $0 > 1e-12 * largest }.count
        guard kept == l else { return false }  // A Xᵀ rank-deficient: the block holds all of A's range
        let w = pass.vectors
        var sketch = w.multiplied(by: squares).multiplied(by: w, transposingOther: true)
        for i in 0..<l {
            for j in 0...i {
                let value = 0.5 * (sketch[i, j] + sketch[j, i]) / (pass.eigenvalues[i] * pass.eigenvalues[j]).squareRoot()
                sketch[i, j] = value; sketch[j, i] = value
            }
        }
        let mu = try sketch.symmetricEigendecomposition(context: context).eigenvalues
        return mu.reduce(0) { $0 + Swift.max(0, $1) } < (1 - 2 * (1 - fraction) - 1e-12) * trace && mu[l - 1] <= level
    }

    private enum Certificate { case certified(bound: Double, kept: Int), notYet, fails }

    /// The certificate of ``leadingSingularSpectrum(holding:minimumDepth:vectors:settings:context:)`` for
    /// depth k: ε = ‖R_k‖²_F / (θ_k − τ) and each read vector's rᵢ/δᵢ.
    /// Before the block has `settled` (4 passes at its width) a missing gap or separation may still be
    /// the start's inaccuracy, so it asks for another pass; after, it fails.
    private static func certificate(theta: [Double], residuals: [Double], depth k: Int, trace: Double, vectors: ([Double], Double) -> Int, settled: Bool, settings: LeadingSpectrumSettings) -> Certificate {
        let tail = Swift.max(0, trace - theta.prefix(k).reduce(0, +))
        let gap = theta[k - 1] - tail
        guard gap > 0 else { return settled ? .fails : .notYet }  // too flat for this bound
        let bound = residuals.prefix(k).reduce(0) { $0 + $1 * $1 } / gap
        guard bound <= settings.valueTolerance * theta[k - 1] else { return .notYet }
        let kept = Swift.min(k, Swift.max(0, vectors(theta.prefix(k).map { Swift.max(0, $0).squareRoot() }, trace)))
        for i in 0..<kept {
            var separation = theta[i] - tail - bound  // λ_{k+1} ≤ τ + ε
            for j in 0..<k where j != i { separation = Swift.min(separation, abs(theta[j] - theta[i]) - bound) }
            guard separation > 0 else { return settled ? .fails : .notYet }  // a cluster: vectors not individually defined
            if residuals[i] > settings.vectorTolerance * separation { return .notYet }
        }
        return .certified(bound: bound, kept: kept)
    }

    /// The result from the last Rayleigh–Ritz step: sᵢ = √θᵢ (i < k), the kept pairs from P's rotation.
    private func leadingResult(ritz: (values: [Double], rotation: Matrix<Double>, residuals: [Double]), basis: Matrix<Double>, other: Matrix<Double>, tall: Bool,
                               depth k: Int, kept: Int, trace: Double, bound: Double, iterations: Int, width: Int) -> LeadingSingularSpectrum {
        let values = ritz.values.prefix(k).map { Swift.max(0, $0).squareRoot() }
        let rotation = ritz.rotation.rows(0..<kept)
        // tall: A zᵢ = column i of P Wᵀ (m×kept); wide: zᵢᵀ A = row i of W P (kept×n). zᵢ itself = row i of W X.
        let product = tall ? other.multiplied(by: rotation, transposingOther: true) : rotation.multiplied(by: other)
        let norms = (tall ? product.columnNormsSquared : product.rowNormsSquared).map { $0.squareRoot() }
        let inverse = norms.map { Float($0 > 0 ? 1 / $0 : 0) }
        let side = product.converted(to: Float.self)
        let decomposition: SingularValueDecomposition<Float>
        let own = rotation.multiplied(by: basis).converted(to: Float.self)  // rows zᵢ
        if tall {
            decomposition = SingularValueDecomposition(u: Self.orthonormalizedColumns(side.scalingColumns(by: inverse), tolerance: 4e-6),
                                                       singularValues: norms.map(Float.init), vt: own)
        } else {
            decomposition = SingularValueDecomposition(u: own.transposed, singularValues: norms.map(Float.init),
                                                       vt: Self.orthonormalizedColumns(side.transposed.scalingColumns(by: inverse), tolerance: 4e-6).transposed)
        }
        let captured = values.reduce(0) { $0 + $1 * $1 }
        return LeadingSingularSpectrum(singularValues: values, decomposition: decomposition, energy: trace, uncapturedEnergy: Swift.max(0, trace - captured),
                                       squaredValueBound: bound, iterations: iterations, blockSize: width)
    }
}
