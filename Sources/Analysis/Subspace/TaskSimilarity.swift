import Foundation

/// How alike the tasks' updates of one layer are.
///
/// - `cosine[i][j]` = ⟨ΔWᵢ, ΔWⱼ⟩_F / (‖ΔWᵢ‖_F ‖ΔWⱼ‖_F), the task-vector cosine restricted to this layer
///   (0 when either update is zero). `inner[i][j]` keeps the unnormalised ⟨ΔWᵢ, ΔWⱼ⟩_F so a whole-model
///   cosine can be summed over layers.
/// - `angles`: principal angles between the update subspaces of each pair i < j, on the right (input,
///   Vᵢ's first rᵢ directions) and left (output, Uᵢ's): cos θ_k are the singular values of VᵢᵀVⱼ, descending.
///   `rightOverlap` = ‖VᵢᵀVⱼ‖²_F / min(rᵢ, rⱼ) ∈ [0, 1] summarises them (1 = one subspace contains the other).
public struct TaskSimilarity: Codable, Sendable, Equatable {
    /// Principal angles between two tasks' update subspaces.
    public struct SubspaceAngles: Codable, Sendable, Equatable {
        public var first: Int
        public var second: Int
        /// cos θ between right (input-side) subspaces, descending.
        public var rightCosines: [Double]
        /// cos θ between left (output-side) subspaces, descending.
        public var leftCosines: [Double]
        /// ‖VᵢᵀVⱼ‖²_F / min(rᵢ, rⱼ) (0 when either subspace is empty).
        public var rightOverlap: Double
        /// ‖UᵢᵀUⱼ‖²_F / min(rᵢ, rⱼ).
        public var leftOverlap: Double
        /// The right angles in degrees, ascending.
        public var rightDegrees: [Double] { rightCosines.map { acos(Swift.min(1, Swift.max(-1, $0))) * 180 / .pi } }
        /// The left angles in degrees, ascending.
        public var leftDegrees: [Double] { leftCosines.map { acos(Swift.min(1, Swift.max(-1, $0))) * 180 / .pi } }
    }

    /// ⟨ΔWᵢ, ΔWⱼ⟩_F.
    public var inner: [[Double]]
    /// Cosine similarity of the updates.
    public var cosine: [[Double]]
    /// One entry per pair i < j.
    public var angles: [SubspaceAngles]

    /// Computes similarities from the updates, their thin SVDs and the subspace ranks rᵢ.
    public init(updates: [WeightUpdate], decompositions: [SingularValueDecomposition<Float>], ranks: [Int]) throws {
        try self.init(updates: updates, overlaps: SubspaceOverlaps(decompositions: decompositions, ranks: ranks))
    }

    /// Computes similarities from the updates and the overlaps VᵢᵀVⱼ, UᵢᵀUⱼ of their rᵢ-dimensional subspaces.
    init(updates: [WeightUpdate], overlaps: SubspaceOverlaps) throws {
        let t = updates.count
        var inner = Array(repeating: Array(repeating: 0.0, count: t), count: t)
        for i in 0..<t {
            for j in i..<t {
                let value = Self.inner(updates[i], updates[j])
                inner[i][j] = value
                inner[j][i] = value
            }
        }
        self.inner = inner
        cosine = (0..<t).map { i in
            (0..<t).map { j in
                let d = (inner[i][i] * inner[j][j]).squareRoot()
                return d > 0 ? inner[i][j] / d : 0
            }
        }
        let ranks = overlaps.ranks
        var angles = [SubspaceAngles]()
        for i in 0..<t {
            for j in (i + 1)..<Swift.max(i + 1, t) {
                let right = overlaps.right(i, j), left = overlaps.left(i, j)
                let bound = Double(Swift.min(ranks[i], ranks[j]))
                angles.append(SubspaceAngles(
                    first: i, second: j,
                    rightCosines: try right.singularValues(context: "principal angles").map(Double.init),
                    leftCosines: try left.singularValues(context: "principal angles").map(Double.init),
                    rightOverlap: bound > 0 ? Double(right.frobeniusNormSquared) / bound : 0,
                    leftOverlap: bound > 0 ? Double(left.frobeniusNormSquared) / bound : 0))
            }
        }
        self.angles = angles
    }

    /// ⟨X, Y⟩_F without forming low-rank products: for two LoRA updates s·t·⟨BₓᵀB_y, AₓA_yᵀ⟩_F.
    static func inner(_ x: WeightUpdate, _ y: WeightUpdate) -> Double {
        switch (x, y) {
        case let (.lowRank(bx, ax, sx), .lowRank(by, ay, sy)):
            let left = bx.multiplied(by: by, transposingSelf: true)
            let right = ax.multiplied(by: ay, transposingOther: true)
            return Double(sx * sy) * Double(left.frobeniusInner(right))
        case let (.dense(d), other), let (other, .dense(d)):
            return other.frobeniusInner(d)
        }
    }
}
