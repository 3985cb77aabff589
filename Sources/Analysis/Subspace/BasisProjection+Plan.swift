extension BasisProjection {
    /// Which products the dense projection forms at a given depth (see
    /// ``BasisProjection/init(update:base:depth:)``): the one description of that work, read by the
    /// projection and by the benchmark that times exactly those GEMMs.
    public struct DensePlan: Sendable, Equatable {
        /// d_L: left directions resolved (the depth when U is square, m = r; else r).
        public let leftDepth: Int
        /// d_R: right directions resolved (the depth when V is square, n = r; else r).
        public let rightDepth: Int
        /// The left side is resolved down to its full square basis (m = r = d_L).
        public let leftFull: Bool
        /// The right side is resolved down to its full square basis (n = r = d_R).
        public let rightFull: Bool
        /// n < m: the core is cheaper as Z V than as Uᵀ Y.
        private let tall: Bool

        /// The plan for an m×n update projected down to `depth` (nil: all r = min(m, n)).
        public init(rows m: Int, columns n: Int, depth: Int?) {
            let r = Swift.min(m, n)
            let d = Swift.min(depth ?? r, r)
            leftDepth = m == r ? d : r
            rightDepth = n == r ? d : r
            leftFull = m == r && leftDepth == r
            rightFull = n == r && rightDepth == r
            tall = n < m
        }

        /// Z = U_{d_L}ᵀ ΔW (d_L×n) is formed: it gives the left masses unless the right side is fully
        /// resolved (then they are the core's row norms).
        public var formsZ: Bool { !rightFull }
        /// Y = ΔW V_{d_R} (m×d_R) is formed: it gives the right masses unless the left side is fully
        /// resolved, and the core when Z is not formed.
        public var formsY: Bool { !leftFull || !formsZ }
        /// The core is Z V_{d_R} (n·d_L·d_R multiply-adds) rather than U_{d_L}ᵀ Y (m·d_L·d_R).
        public var coreFromZ: Bool { formsZ && (!formsY || tall) }

        /// The factors of `base` the plan reads: U's first d_L columns and Vᵀ's first d_R rows (shared,
        /// not copied, at full depth).
        public func factors(of base: SingularValueDecomposition<Float>) -> (u: MatrixF, vt: MatrixF) {
            let r = base.rank
            return (leftDepth == r ? base.u : base.u.columns(0..<leftDepth), rightDepth == r ? base.vt : base.vt.rows(0..<rightDepth))
        }
    }
}
