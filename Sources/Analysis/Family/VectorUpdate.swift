/// A 1-D tensor (bias, LayerNorm scale or shift): only its change in norm is meaningful.
///
/// `norms[i]` = ‖Δbᵢ‖₂ and `relativeNorms[i]` = ‖Δbᵢ‖₂ / ‖b_pre‖₂ (0 when b_pre = 0).
public struct VectorUpdate: Codable, Sendable, Equatable {
    public var name: String
    public var length: Int
    public var norms: [Double]
    public var relativeNorms: [Double]

    /// Summarises the updates of a vector.
    public init(name: String, base: [Float], fineTuned: [[Float]]) {
        self.name = name
        length = base.count
        let baseNorm = base.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        norms = fineTuned.map { ft in zip(ft, base).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot() }
        relativeNorms = norms.map { baseNorm > 0 ? $0 / baseNorm : 0 }
    }
}
