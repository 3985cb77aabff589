extension IntruderDimensions {
    /// Intruders of `fineTuned` judged against only the leading k left singular vectors of a square
    /// W_pre (m = r), when that provably gives the same max |cos| as all r of them; nil otherwise.
    ///
    /// W_pre's r left singular vectors are an orthonormal basis of ℝᵐ, so for a direction u' of W_ft
    /// Σⱼ ⟨u', uⱼ⟩² = ‖u'‖², and every cosine beyond the first k obeys ⟨u', uⱼ⟩² ≤ ‖u'‖² − Σ_{j<k} ⟨u', uⱼ⟩².
    /// When the largest of the first k cosines squared exceeds that remainder (by a margin `slack` for
    /// float32 rounding), it is the max over all r. Typical fine-tunes keep their top directions close to
    /// W_pre's leading ones (max cos near 1), so this holds; true intruders (all cosines small) fail it
    /// and need the complete basis.
    public init?(fineTuned: SingularValueDecomposition<Float>, leadingBase: SingularValueDecomposition<Float>, top: Int = 10, threshold: Double = 0.5, slack: Double = 1e-5) {
        precondition(leadingBase.u.rows == leadingBase.vt.columns, "the certificate needs a square W_pre")
        self.init(fineTuned: fineTuned, base: leadingBase, top: top, threshold: threshold)
        let directions = fineTuned.u.columns(0..<self.top)
        let captured = leadingBase.u.multiplied(by: directions, transposingSelf: true).columnNormsSquared
        let lengths = directions.columnNormsSquared
        for i in 0..<self.top where maxCosine[i] * maxCosine[i] <= Swift.max(0, lengths[i] - captured[i]) + slack {
            return nil
        }
    }
}
