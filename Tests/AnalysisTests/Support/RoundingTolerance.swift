/// How far apart two float32 results may be when they differ only in rounding: the same data through
/// another summation order (OpenBLAS picks kernels and splits reductions by its thread count, which a
/// concurrent test may change, since ``BLASThreads`` is process-wide) or through another LAPACK path of the
/// same backward stability.
///
/// A float32 inner product of length k rounded in two orders differs by at most 2γ_k·Σ|aᵢbᵢ|; with
/// rounding errors behaving as independent random variables (Higham & Mary, SIAM J. Sci. Comput. 2019)
/// the difference stays below c·√k·ε₃₂·‖a‖‖b‖ with overwhelming probability for a small constant c,
/// ε₃₂ = `Float.ulpOfOne` = 2⁻²³ (twice the unit roundoff, which is the margin). For a product P = AB of
/// k-long inner products this gives ‖δP‖_F ≲ √k·ε₃₂·‖A‖‖B‖.
enum RoundingTolerance {
    /// √k·ε₃₂: the relative difference of a float32 product with inner dimension k between two orders.
    static func float32Product(innerDimension k: Int) -> Double { Double(k).squareRoot() * Double(Float.ulpOfOne) }
}
