extension WeightUpdate {
    /// The singular values of ΔW alone (descending). A dense update with `fromGram`: √λ of its Double Gram
    /// matrix, reduced by `dsytrd` + `dsterf` (``Matrix/singularValueDecompositionFromGram(keepingVectors:vectorBound:iteration:tolerance:context:)``
    /// keeping no vector; 10.5 s where `sgesdd` takes 26.1 s at 14336×4096, benchmarks/RESULTS.md run 5)
    /// or, with `twoStage`, by `dsyev_2stage` (``Matrix/singularValuesFromGram(context:)``); otherwise LAPACK
    /// without singular vectors (`sgesdd` with `jobz = 'N'`). LoRA: the q×q core's, as
    /// ``singularValueDecomposition(context:)`` gives them.
    public func singularValuesOnly(context: String, fromGram: Bool = false, twoStage: Bool = false) throws -> [Float] {
        switch self {
        case let .dense(d):
            guard fromGram else { return try d.singularValuesOnly(context: context) }
            if twoStage { return try d.singularValuesFromGram(context: context) }
            return try d.singularValueDecompositionFromGram(keepingVectors: { _ in 0 }, context: context)?.singularValues ?? d.singularValuesOnly(context: context)
        case .lowRank:
            return try singularValueDecomposition(context: context).singularValues
        }
    }
}
