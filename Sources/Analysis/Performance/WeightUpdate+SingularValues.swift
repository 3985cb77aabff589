extension WeightUpdate {
    /// The singular values of ΔW alone (descending): for a dense update LAPACK without singular vectors
    /// (well under half the cost of the thin SVD); for LoRA the q×q core's, as
    /// ``singularValueDecomposition(context:)`` gives them.
    public func singularValuesOnly(context: String) throws -> [Float] {
        switch self {
        case let .dense(d):
            return try d.singularValuesOnly(context: context)
        case .lowRank:
            return try singularValueDecomposition(context: context).singularValues
        }
    }
}
