extension WeightUpdate {
    /// The singular values of ΔW alone (descending). A dense update: from its Double Gram matrix and the
    /// two-stage tridiagonal reduction when `fromGram` (``Matrix/singularValuesFromGram(context:)``,
    /// ≈ m·n·r multiply-adds in `dsyrk` plus a BLAS-3-rich reduction), else LAPACK without singular
    /// vectors (`sgesdd` with `jobz = 'N'`, well under half the cost of the thin SVD); either falls back to
    /// LAPACK for a zero update. LoRA: the q×q core's, as ``singularValueDecomposition(context:)`` gives them.
    public func singularValuesOnly(context: String, fromGram: Bool = false) throws -> [Float] {
        switch self {
        case let .dense(d):
            return try fromGram ? d.singularValuesFromGram(context: context) : d.singularValuesOnly(context: context)
        case .lowRank:
            return try singularValueDecomposition(context: context).singularValues
        }
    }
}
