/// How the per-layer analysis is computed — never *what* it computes: every setting here changes cost,
/// not results beyond float32 rounding (each fast path is either exact algebra or certified against a
/// tolerance, with the exact LAPACK path as fallback). The one exception, ``methodResiduals``, only adds a
/// statistic that costs extra merges and is read only when asked for.
public struct ComputeSettings: Sendable, Equatable {
    /// How the top singular vectors of W_ft (intruder dimensions) are found.
    public enum TopVectors: Sendable, Equatable {
        /// The full thin SVD of W_ft, truncated (the reference path).
        case exactSVD
        /// Certified randomized subspace iteration (see ``TruncatedSVDSettings``); falls back to the exact
        /// SVD when it does not certify.
        case randomized(TruncatedSVDSettings)
        /// The k largest eigenpairs of the smaller Gram matrix (`ssyevr`), see
        /// ``Matrix/topSingularTripletsFromGram(_:context:)``.
        case gram
        /// Gram below `settings.minimumRank` (r³ LAPACK work is small, one GEMM and a partial
        /// eigensolver beat the full SVD), randomized from there on (two m·n·ℓ GEMMs per iteration beat
        /// any O(r³) method).
        case automatic(TruncatedSVDSettings)
    }

    /// Intruders need the top 10 of r singular vectors of W_ft: computing just those is the default.
    public var intruderVectors: TopVectors
    /// Start the randomized search for W_ft's top vectors (``TopVectors/randomized(_:)``, or
    /// ``TopVectors/automatic(_:)`` at its size) from W_pre's leading left singular vectors, which a small ΔW
    /// barely moves, in place of `oversampling` of its Gaussian trial vectors
    /// (``Matrix/topSingularTriplets(_:settings:start:context:)``): fewer iterations to the same certificate.
    public var warmStartIntruders: Bool
    /// With a single task no singular vectors of ΔW are used (interference, similarity and STI need T ≥ 2),
    /// so only its singular values are computed (with ``factorsFromGram`` from the Double Gram matrix's
    /// tridiagonal reduction, else `gesdd` with `jobz = 'N'`; see also ``twoStageSpectra``).
    public var valuesOnlyForSingleTask: Bool
    /// Keep only the singular vectors of ΔW that the cross-task signals read (the interference rank, or
    /// the STI rank when larger) instead of all r of them.
    public var truncateUpdateFactors: Bool
    /// Restore the orthonormality of W_pre's singular vectors (Cholesky QR, see
    /// ``SingularValueDecomposition/reorthonormalized(tolerance:)``) when LAPACK's float32 factors drift,
    /// as the system OpenBLAS's do at 4096² and beyond: an accuracy fix (up to 2·10⁻⁴ of energy at
    /// 14336×4096) for 5–25% of the base SVD's time (≈1 s at 4096², ≈8 s at 14336×4096).
    public var reorthonormalizeBase: Bool
    /// Project dense updates only down to the deepest zone cut on a side whose thin factor is square
    /// (``BasisProjection/init(update:base:depth:)``): the band below the cut is the complement of the
    /// ones above it, so its energy follows from ‖ΔW‖². Flops per model on a square layer fall by
    /// 2/(2k/r + (k/r)²): 2.6× at k = r/3, 5.5× at the synthetic 4096² base's k = 692; on 14336×4096 at
    /// k = r/3 by about 1.4×.
    public var projectToDeepestCut: Bool
    /// Factor W_pre and dense updates ΔW from their Gram matrices in Double
    /// (``Matrix/singularValueDecompositionFromGram(keepingVectors:tolerance:context:)``) instead of
    /// LAPACK's Float SVD: faster on 2 cores, more accurate in σ and V, and for ΔW only the singular vectors
    /// the cross-task signals read are formed. LAPACK remains the path for zero updates and LoRA factors.
    public var factorsFromGram: Bool
    /// For a square W_pre factored from its Gram matrix with ``projectToDeepestCut``, form only the
    /// singular vectors the analysis reads: all r singular values, but vectors only down to the deepest
    /// zone cut (plus a margin of ``LayerAnalyzer/baseVectorMargin``). Intruders are then judged against
    /// those leading vectors when that provably gives the max |cos| over all r
    /// (``IntruderDimensions/init(fineTuned:leadingBase:top:threshold:)``), else against a complete
    /// factorization computed then. Non-square layers need the complete thin factor of their long side
    /// for the band below the cut and are factored completely.
    public var leadingBaseVectors: Bool
    /// With ``factorsFromGram``, a dense ΔW's spectrum without the one-stage tridiagonal reduction: with a
    /// single task its values alone by the two-stage reduction of its Double Gram matrix
    /// (``Matrix/singularValuesFromGram(context:)``); with T ≥ 2 and ``truncateUpdateFactors``, when the
    /// 90%-energy rank (or the STI rank) is small, all values by the two-stage reduction and those few
    /// vectors by certified block iteration (``Matrix/leadingEigenvectorsByIteration(keeping:bound:settings:context:)``),
    /// the one-stage path being the fallback. W_pre keeps the one-stage path: the zone cut asks for
    /// hundreds of its vectors, which the two-stage reduction cannot back-transform.
    ///
    /// On by default since benchmarks/RESULTS.md run 12: in the analysis' own configuration (two layers in
    /// flight with one BLAS thread each, quiet machine) the 7B block with 5%-noise updates took 272.5 s
    /// with it against 300.9 s without — two memory-bound one-stage reductions side by side slow each
    /// other, the two-stage's compute-bound first stage does not — although one 4096² reduction alone
    /// with two BLAS threads was slower two-stage (runs 5 and 6). Results agree with the one-stage path
    /// to 7·10⁻⁷ of each quantity's scale (principal-angle cosines; everything else ≤ 10⁻⁹).
    public var twoStageSpectra: Bool
    /// The block iteration's settings (see ``twoStageSpectra``).
    public var updateVectorIteration: LeadingEigenvectorIteration
    /// With ``factorsFromGram`` and ``truncateUpdateFactors``, a dense ΔW's spectrum only as deep as the
    /// report reads: its leading σ (and the vectors the cross-task signals read) by certified block
    /// iteration on ΔW itself until they hold the deepest energy share any output needs
    /// (``LayerAnalyzer/deepestSpectrumEnergy(_:)``), the rest as uncaptured energy
    /// (``Matrix/leadingSingularSpectrum(holding:minimumDepth:vectors:settings:context:)``); the complete
    /// reduction whenever that does not certify or would need too wide a block. nil: always complete.
    public var leadingUpdateSpectra: LeadingSpectrumSettings?
    /// Also compute every merging method's residual sums per layer (``MethodResidualSums``, T ≥ 2), which
    /// `mergeable --plan` reads: up to five merges per layer (TSV-M, Iso-C and Iso-CTS each take SVDs of
    /// the layer's size), so off unless asked for. Not part of a store's identity (``identity``): a run that
    /// asks for them recomputes the stored records lacking them; one that does not reads them as any other.
    public var methodResiduals = false

    /// These settings as they identify a store's computation: ``methodResiduals`` off.
    public var identity: ComputeSettings {
        var settings = self
        settings.methodResiduals = false
        return settings
    }

    public init(intruderVectors: TopVectors = .automatic(TruncatedSVDSettings()), warmStartIntruders: Bool = true, valuesOnlyForSingleTask: Bool = true, truncateUpdateFactors: Bool = true, reorthonormalizeBase: Bool = true, projectToDeepestCut: Bool = true, factorsFromGram: Bool = true, leadingBaseVectors: Bool = true, twoStageSpectra: Bool = true, updateVectorIteration: LeadingEigenvectorIteration = LeadingEigenvectorIteration(),
                leadingUpdateSpectra: LeadingSpectrumSettings? = LeadingSpectrumSettings()) {
        self.twoStageSpectra = twoStageSpectra
        self.leadingUpdateSpectra = leadingUpdateSpectra
        self.updateVectorIteration = updateVectorIteration
        self.factorsFromGram = factorsFromGram
        self.leadingBaseVectors = leadingBaseVectors
        self.reorthonormalizeBase = reorthonormalizeBase
        self.projectToDeepestCut = projectToDeepestCut
        self.intruderVectors = intruderVectors
        self.warmStartIntruders = warmStartIntruders
        self.valuesOnlyForSingleTask = valuesOnlyForSingleTask
        self.truncateUpdateFactors = truncateUpdateFactors
    }

    /// Every fast path off: what the analysis computed before these settings existed.
    public static let reference = ComputeSettings(intruderVectors: .exactSVD, valuesOnlyForSingleTask: false, truncateUpdateFactors: false, reorthonormalizeBase: false, projectToDeepestCut: false, factorsFromGram: false, leadingBaseVectors: false, leadingUpdateSpectra: nil)
}

/// Where one layer's time went (seconds of wall time, measured with a monotonic clock).
public struct LayerTimings: Sendable, Equatable, Codable {
    /// The layer.
    public var name: String = ""
    /// m, n and T.
    public var rows: Int = 0
    public var columns: Int = 0
    public var tasks: Int = 0
    /// The SVD of W_pre (shared by all tasks).
    public var baseSVD: Double = 0
    /// Whether W_pre was factored through its Double Gram matrix (false: LAPACK's SVD).
    public var baseFromGram: Bool = false
    /// How many singular vector pairs of W_pre were formed (r when all).
    public var baseVectors: Int = 0
    /// Whether the intruders needed W_pre's complete factorization after its leading vectors were formed
    /// (its time is in `intruders`).
    public var baseCompletedForIntruders: Bool = false
    /// Per task: SVD of ΔW, projection and energy maps, intruders.
    public var perTask: [Double] = []
    /// Of `perTask`: the intruder part, per task.
    public var intruders: [Double] = []
    /// Interference, similarity, STI and verdict.
    public var crossTask: Double = 0
    /// Randomized top-vector runs that did not certify and used the exact SVD.
    public var intruderFallbacks: Int = 0
    /// Subspace iterations of the randomized top-vector runs, summed.
    public var intruderIterations: Int = 0
    /// max |UᵀU − I|, |VᵀV − I| of W_pre's factors from LAPACK, and after re-orthonormalization.
    public var baseOrthonormalityError: Double = 0
    public var baseOrthonormalityErrorAfter: Double = 0
    /// Reading and decoding the tensors (filled by ``FamilyAnalyzer``).
    public var read: Double = 0
    /// Wall time of the whole layer (filled by ``FamilyAnalyzer``).
    public var total: Double = 0

    public init() {}
}

/// A monotonic stopwatch.
struct Stopwatch {
    private let start = ContinuousClock.now
    var seconds: Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
