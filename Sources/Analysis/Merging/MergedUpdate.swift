extension MergeSettings {
    /// The merged update M of one 2-D linear weight (out × in) at c = 1, exactly as ``ModelMerger`` writes
    /// it (θ = θ_pre + c·M): task arithmetic Σᵢ τᵢ, TIES at ``density`` (``TiesMerge``, element-wise, so the
    /// storage layout does not matter), TSV-M, Iso-C and Iso-CTS at ``commonFraction`` (``SubspaceMerge``).
    /// `updates`: T ≥ 1 finite updates of one shape; `context` names the tensor in errors.
    /// - Throws: ``LinearAlgebraError`` (SVD failure).
    public func mergedUpdate(of updates: [WeightUpdate], context: String) throws -> MatrixF {
        switch method {
        case .taskArithmetic:
            return SubspaceMerge.sum(updates).dense
        case .ties:
            let (m, n) = updates[0].shape
            return MatrixF(rows: m, columns: n, elements: TiesMerge.merge(updates.map(\.dense.elements), density: density))
        case .tsv: return try SubspaceMerge.tsv(updates, context: context)
        case .isoC: return try SubspaceMerge.isoC(updates, context: context)
        case .isoCTS: return try SubspaceMerge.isoCTS(updates, commonFraction: commonFraction, context: context)
        }
    }
}
