/// What ``ModelMerger`` writes: the method, its coefficient and the method's own parameters.
public struct MergeSettings: Sendable, Equatable {
    /// The merging method.
    public var method: MergeMethod
    /// c in θ = θ_pre + c·M (λ for task arithmetic and TIES, α for TSV-M and Iso); finite. Nil at
    /// creation: the method's default for full fine-tunes (``MergeMethod/defaultCoefficient(allLoRA:)``).
    public var coefficient: Double
    /// TIES: the share of each tensor's entries kept by trimming, in (0, 1] (the paper's k = 20%).
    public var density: Double
    /// Iso-CTS: the share of the sum's directions kept as the common subspace, in [0, 1] (the code's 0.8).
    public var commonFraction: Double
    /// Replace an existing output (only a previous merge output, or an empty directory).
    public var replaceExisting: Bool

    public init(method: MergeMethod, coefficient: Double? = nil, density: Double = 0.2, commonFraction: Double = 0.8, replaceExisting: Bool = false) {
        self.method = method
        self.coefficient = coefficient ?? method.defaultCoefficient(allLoRA: false)
        self.density = density
        self.commonFraction = commonFraction
        self.replaceExisting = replaceExisting
    }

    /// Throws ``MergeError/invalidOption(_:)`` for a value out of range.
    public func validate() throws {
        guard coefficient.isFinite else { throw MergeError.invalidOption("the coefficient must be a finite number, got \(coefficient)") }
        guard density > 0, density <= 1 else { throw MergeError.invalidOption("--density must be in (0, 1], got \(density)") }
        guard commonFraction >= 0, commonFraction <= 1 else { throw MergeError.invalidOption("--common-fraction must be in [0, 1], got \(commonFraction)") }
    }
}
