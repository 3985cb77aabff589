import CBLAS

extension Matrix where Scalar == Float {
    /// The thin SVD of this m×n Float matrix W from the eigendecomposition of its smaller Gram matrix,
    /// formed and factored in Double; nil when a kept ‖W vⱼ‖ is exactly 0 (a zero or exactly rank-deficient W:
    /// use ``singularValueDecomposition(context:)`` then).
    ///
    /// For m ≥ n: G = WᵀW = V Σ² Vᵀ (n×n, `dsyrk` over blocks of rows converted to Double), all its
    /// eigenvalues and only the k leading eigenvectors V_k
    /// (``Matrix/leadingEigenvectors(keeping:context:)``); then P = W V_k (`dgemm`, the same blocks),
    /// σⱼ = ‖pⱼ‖ and uⱼ = pⱼ/σⱼ for j < k, σⱼ = √λⱼ beyond. For m < n the roles swap
    /// (G = W Wᵀ gives U, vⱼ = Wᵀuⱼ/σⱼ). The factors are rounded to Float at the end.
    ///
    /// Accuracy: products of Float entries are exact in Double, so G carries only ε_d-level error, and its
    /// eigenvectors — V and every leading subspace span(v₁…v_k), i.e. the zones — are accurate to
    /// ε_d·σ₁²/gap(σ²), far inside Float rounding. σⱼ = ‖W vⱼ‖ is a Rayleigh quotient: accurate to about
    /// ε_d·σ₁ absolutely, where a Float SVD gives ε_f·σ₁. U's leading columns are as accurate as V; columns
    /// of tiny σⱼ (σ₁/σⱼ ≳ 10⁴) lose orthonormality (ε_d·(σ₁/σⱼ)² within their own small-σ cluster) but
    /// never leave range(W) by more than ε_d·σ₁/σⱼ, so when UᵀU deviates from I by more than `tolerance`
    /// they are re-orthonormalized by Householder QR, which keeps every leading span (the zones) and the
    /// range. On the benchmark's 4096² base (κ = 1.7·10⁸) the zone energies match numpy's float64 SVD
    /// to ~10⁻⁸ (`benchmarks/float64_check.py`, benchmarks/RESULTS.md).
    ///
    /// Accuracy of the values without vectors (j ≥ k): √λⱼ with λⱼ accurate to about ε_d·σ₁² absolutely,
    /// so σⱼ to ε_d·σ₁²/(2σⱼ) — better than a Float SVD's ε_f·σ₁ for every σⱼ ≳ 10⁻⁹·σ₁, and never worse
    /// than √ε_d·σ₁ ≈ 10⁻⁸·σ₁ (what sums of σ such as the zone rule see).
    ///
    /// Cost: m·n² Double multiply-adds in `dsyrk`, an n×n tridiagonal reduction (n = min side), 2n²k for
    /// the back-transformation of the k kept eigenvectors (all n and divide and conquer when k > n/2),
    /// m·n·k in `dgemm`, m·k²/2 in the `ssyrk` that checks the k columns' orthonormality (the one check:
    /// ``LayerAnalyzer`` reuses it), and a Float QR of the k columns when the re-orthonormalization is needed. Extra
    /// memory: one n×n Double matrix (G, reduced in place), n·k Doubles of eigenvectors (n² when k > n/2)
    /// and 32 MB blocks; never a Double copy of W.
    ///
    /// - Throws: ``LinearAlgebraError`` for non-finite input or when the eigensolver fails.
    ///
    /// - Parameter keep: given the singular values (√λ, descending), how many singular vector pairs to
    ///   form (nil: all r) — the eigenvectors of the rest are never formed. `singularValues` in the result
    ///   always holds all r values (Rayleigh quotients for the kept ones, √λ beyond).
    ///
    /// - Parameter vectorBound: when given (and the Gram matrix is large enough, see
    ///   ``LeadingEigenvectorIteration``), first try the certified block iteration
    ///   (``Matrix/leadingEigenvectorsByIteration(keeping:bound:settings:context:)``): all eigenvalues by
    ///   the two-stage reduction and the few kept eigenvectors by subspace iteration, with the tridiagonal
    ///   path above as fallback. The closure bounds the number of vectors `keep` will ask for from the
    ///   Ritz values of G (lower bounds on its leading eigenvalues σⱼ²) and trace(G) = ‖W‖²_F, or returns
    ///   nil when it cannot.
    public func singularValueDecompositionFromGram(keepingVectors keep: (([Float]) -> Int)? = nil, vectorBound: ((_ ritzValues: [Double], _ trace: Double) -> Int?)? = nil, iteration: LeadingEigenvectorIteration = LeadingEigenvectorIteration(), tolerance: Double = 4e-6, context: String = "matrix") throws -> (decomposition: SingularValueDecomposition<Float>, singularValues: [Float])? {
        try measuredSingularValueDecompositionFromGram(keepingVectors: keep, vectorBound: vectorBound, iteration: iteration, tolerance: tolerance, context: context)
            .map { ($0.decomposition, $0.singularValues) }
    }

    /// ``singularValueDecompositionFromGram(keepingVectors:vectorBound:iteration:tolerance:context:)`` and
    /// the factors' orthonormality error as measured on the way (max |UᵀU − I|, |VᵀV − I| over entries,
    /// both by `ssyrk`), so that a caller who needs it does not form the m×r side's Gram matrix again.
    func measuredSingularValueDecompositionFromGram(keepingVectors keep: (([Float]) -> Int)?, vectorBound: ((_ ritzValues: [Double], _ trace: Double) -> Int?)?, iteration: LeadingEigenvectorIteration, tolerance: Double, context: String) throws -> (decomposition: SingularValueDecomposition<Float>, singularValues: [Float], orthonormalityError: Double)? {
        let r = minDimension
        guard r > 0 else { return nil }
        guard isFinite else { throw LinearAlgebraError.nonFiniteInput(context: context) }
        let tall = rows >= columns
        let blockSize = gramBlockSize
        var gram = doubleGram(blockSize: blockSize)  // G, then its tridiagonal reduction
        let keepFromEigenvalues = { (lambda: [Double]) in keep?(lambda.map { Float(Swift.max(0, $0).squareRoot()) }) ?? r }
        let eigenvalues: [Double], kept: Matrix<Double>
        if let vectorBound, let iterated = try gram.leadingEigenvectorsByIteration(keeping: keepFromEigenvalues, bound: vectorBound, settings: iteration, context: context) {
            (eigenvalues, kept) = (iterated.eigenvalues, iterated.vectors)
        } else {
            (eigenvalues, kept) = try gram.leadingEigenvectors(keeping: keepFromEigenvalues, context: context)
        }
        var sigma = eigenvalues.map { Swift.max(0, $0).squareRoot() }
        let k = kept.rows
        // The other side, unnormalized: tall P = W V (rows of W → rows of P); wide Pᵀ = Uᵀ W (columns → columns).
        var other = MatrixF(zeros: tall ? rows : k, tall ? k : columns)
        var norms = [Double](repeating: 0, count: k)
        forEachBlock(tall: tall, size: blockSize) { block, start in
            let product = tall ? block.multiplied(by: kept, transposingOther: true) : kept * block
            for i in 0..<product.rows {
                for j in 0..<product.columns {
                    let value = product[i, j]
                    norms[tall ? j : i] += value * value
                    if tall { other[start + i, j] = Float(value) } else { other[i, start + j] = Float(value) }
                }
            }
        }
        for j in 0..<k { sigma[j] = norms[j].squareRoot() }
        guard sigma.prefix(k).allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
        let inverse = sigma.prefix(k).map { Float(1 / $0) }
        for j in 1..<r { sigma[j] = Swift.min(sigma[j], sigma[j - 1]) }  // keep σ descending at the noise floor
        other = tall ? other.scalingColumns(by: inverse) : other.transposed.scalingColumns(by: inverse).transposed
        let square = kept.converted(to: Float.self)
        let values = sigma.map(Float.init)
        let checked = Self.measuredOrthonormalizedColumns(tall ? other : other.transposed, tolerance: tolerance)
        let decomposition = tall
            ? SingularValueDecomposition(u: checked.columns, singularValues: Array(values.prefix(k)), vt: square)
            : SingularValueDecomposition(u: square.transposed, singularValues: Array(values.prefix(k)), vt: checked.columns.transposed)
        return (decomposition, values, Swift.max(checked.deviation, square.rowOrthonormalityDeviation))
    }

    /// All min(m, n) singular values of this Float matrix, descending, without singular vectors: σⱼ = √λⱼ
    /// of its smaller Gram matrix G formed in Double (`dsyrk` over row or column blocks, m·n·min(m, n)
    /// multiply-adds) and reduced by the two-stage tridiagonal reduction
    /// (``Matrix/eigenvaluesByTwoStageReduction(context:)``). λⱼ is accurate to about ε_d·σ₁², so σⱼ to
    /// ε_d·σ₁²/(2σⱼ), never worse than √ε_d·σ₁ ≈ 1.5·10⁻⁸·σ₁ — within a Float SVD's ε_f·σ₁ for every σⱼ.
    /// Extra memory: one r×r Double matrix and 32 MB blocks.
    /// - Throws: ``LinearAlgebraError`` for non-finite input or when LAPACK fails.
    public func singularValuesFromGram(context: String = "matrix") throws -> [Float] {
        guard minDimension > 0 else { return [] }
        guard isFinite else { throw LinearAlgebraError.nonFiniteInput(context: context) }
        var gram = doubleGram(blockSize: gramBlockSize)
        var sigma = try gram.eigenvaluesByTwoStageReduction(context: context).map { Float(Swift.max(0, $0).squareRoot()) }
        for j in sigma.indices.dropFirst() { sigma[j] = Swift.min(sigma[j], sigma[j - 1]) }
        return sigma
    }

    /// Rows (tall) or columns (wide) per block of the Double conversions: ≤ 32 MB of Double per block.
    var gramBlockSize: Int {
        Swift.max(1, Swift.min(Swift.max(rows, columns), (1 << 22) / Swift.max(1, minDimension)))
    }

    /// The Gram matrix of the smaller side in Double, both triangles filled: WᵀW (n×n) when m ≥ n, else
    /// W Wᵀ (m×m), by `dsyrk` over blocks converted to Double.
    private func doubleGram(blockSize: Int) -> Matrix<Double> {
        let tall = rows >= columns, r = minDimension
        var gram = Matrix<Double>(zeros: r, r)
        forEachBlock(tall: tall, size: blockSize) { block, _ in
            block.elements.withUnsafeBufferPointer { bp in
                gram.elements.withUnsafeMutableBufferPointer { gp in
                    // tall: G += BᵀB with B b×n; wide: G += B Bᵀ with B m×b.
                    cblas_dsyrk(CblasRowMajor, CblasUpper, tall ? CblasTrans : CblasNoTrans, blasint(r),
                                blasint(tall ? block.rows : block.columns), 1, bp.baseAddress!, blasint(block.columns), 1,
                                gp.baseAddress!, blasint(r))
                }
            }
        }
        for i in 0..<r {
            for j in 0..<i { gram[i, j] = gram[j, i] }
        }
        return gram
    }

    /// `q` itself when max |QᵀQ − I| ≤ `tolerance`; otherwise the Q of its Householder QR with columns
    /// signed like q's (R's diagonal made positive), so span(q₁…q_k) is kept for every k.
    static func orthonormalizedColumns(_ q: MatrixF, tolerance: Double) -> MatrixF {
        measuredOrthonormalizedColumns(q, tolerance: tolerance).columns
    }

    /// ``orthonormalizedColumns(_:tolerance:)`` and max |QᵀQ − I| of the columns it returns (measured once
    /// by `ssyrk`, again only after a QR).
    static func measuredOrthonormalizedColumns(_ q: MatrixF, tolerance: Double) -> (columns: MatrixF, deviation: Double) {
        let deviation = q.columnOrthonormalityDeviation
        guard deviation > tolerance else { return (q, deviation) }
        let qr = q.qr()
        let fixed = qr.orthonormal.scalingColumns(by: (0..<q.columns).map { qr.triangular[$0, $0] < 0 ? -1 : 1 })
        return (fixed, fixed.columnOrthonormalityDeviation)
    }

    /// Calls `body` with consecutive blocks of this matrix converted to Double: blocks of `size` rows
    /// (tall) or columns (wide), and the index of the block's first row or column. The blocks are
    /// converted into one buffer, reused (a new one only for a shorter last block), so a pass over a
    /// large matrix allocates, and faults in, one block rather than one per block.
    func forEachBlock(tall: Bool, size: Int, _ body: (Matrix<Double>, Int) -> Void) {
        let long = tall ? rows : columns
        var block = Matrix<Double>(zeros: 0, 0)
        for start in stride(from: 0, to: long, by: size) {
            let width = Swift.min(long, start + size) - start
            let (m, n) = tall ? (width, columns) : (rows, width)
            if block.rows != m || block.columns != n { block = Matrix<Double>(zeros: m, n) }
            let rowLength = columns
            elements.withUnsafeBufferPointer { source in
                block.elements.withUnsafeMutableBufferPointer { target in
                    if tall {
                        let offset = start * rowLength
                        for i in 0..<(m * n) { target[i] = Double(source[offset + i]) }
                    } else {
                        for r in 0..<m {
                            for c in 0..<n { target[r * n + c] = Double(source[r * rowLength + start + c]) }
                        }
                    }
                }
            }
            body(block, start)
        }
    }
}
