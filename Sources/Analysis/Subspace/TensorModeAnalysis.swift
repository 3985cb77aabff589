/// Structure-preserving analysis of an N-D weight (a 3-D or 4-D convolution kernel: out × in × spatial…),
/// following FLoRA's view that such tensors should not be flattened to a matrix.
///
/// HOSVD of W_pre: for each mode n, the thin SVD of the unfolding W₍ₙ₎ = Uₙ Σₙ Vₙᵀ (dₙ × Πᵢ≠ₙ dᵢ), with
/// rank rₙ and SMILE zones cut from σₙ by the same ``ZoneRule``. For each update:
/// - mode band energy: ‖U_{n,B}ᵀ ΔW₍ₙ₎‖²_F / ‖ΔW‖²_F for the top and middle bands of mode n; the tail
///   (null space of mode n) holds the rest;
/// - the channel block map: E[a][b] = ‖ΔW ×₀ P_a ×₁ Q_b‖²_F / ‖ΔW‖²_F over out-channel zones a (mode 0)
///   and in-channel zones b (mode 1), the spatial modes kept whole. For 1×1 kernels this equals the 2-D
///   ``EnergyMap`` of the squeezed matrix.
public struct TensorModeAnalysis: Codable, Sendable, Equatable {
    /// The pretrained spectrum of one mode.
    public struct ModeSpectrum: Codable, Sendable, Equatable {
        public var mode: Int
        /// dₙ.
        public var dimension: Int
        /// σ of the unfolding W₍ₙ₎, descending.
        public var singularValues: [Double]
        /// The top-zone size kₙ.
        public var topRank: Int
    }

    /// One update's energy in one mode's zones.
    public struct ModeEnergy: Codable, Sendable, Equatable {
        public var mode: Int
        public var top: Double
        public var middle: Double
        public var tail: Double
    }

    /// One task's update of this tensor.
    public struct TaskResult: Codable, Sendable, Equatable {
        public var task: String
        /// ‖ΔW‖_F.
        public var norm: Double
        /// ‖ΔW‖_F / ‖W_pre‖_F.
        public var relativeNorm: Double
        /// Band energies for every mode.
        public var modes: [ModeEnergy]
        /// The out × in channel block map.
        public var channelMap: EnergyMap
    }

    /// The tensor name.
    public var name: String
    /// The tensor shape (out, in, spatial…).
    public var shape: [Int]
    /// HOSVD spectra of W_pre, one per mode.
    public var modes: [ModeSpectrum]
    /// One entry per task.
    public var tasks: [TaskResult]

    /// Analyses an N-D tensor (N ≥ 2; C-order values) and its dense updates.
    /// - Throws: ``LinearAlgebraError`` naming the tensor when an SVD fails or input is non-finite.
    public init(name: String, shape: [Int], base: [Float], updates: [[Float]], taskNames: [String], rule: ZoneRule = .smileDefault) throws {
        precondition(shape.count >= 2 && updates.count == taskNames.count, "an N-D tensor (N ≥ 2) and one name per update")
        self.name = name
        self.shape = shape
        let decompositions = try shape.indices.map { try unfold(base, shape: shape, mode: $0).singularValueDecomposition(context: "\(name) (mode \($0))") }
        let modes = decompositions.enumerated().map { n, svd in
            let sigma = svd.singularValues.map(Double.init)
            return ModeSpectrum(mode: n, dimension: shape[n], singularValues: sigma, topRank: rule.cut(sigma))
        }
        self.modes = modes
        let zones = ZoneSplit(
            rows: shape[0], columns: shape[1], leftRank: decompositions[0].rank, rightRank: decompositions[1].rank,
            leftCuts: [modes[0].topRank], rightCuts: [modes[1].topRank])
        let baseNorm = Double(MatrixF(rows: 1, columns: base.count, elements: base).frobeniusNorm)
        let spatial = shape[2...].reduce(1, *)
        tasks = try zip(updates, taskNames).map { update, task in
            guard update.allSatisfy(\.isFinite) else { throw LinearAlgebraError.nonFiniteInput(context: "\(name) (update of \(task))") }
            let total = Double(MatrixF(rows: 1, columns: update.count, elements: update).frobeniusNormSquared)
            let projected = shape.indices.map { decompositions[$0].u.multiplied(by: unfold(update, shape: shape, mode: $0), transposingSelf: true) }
            let massByMode = projected.map { $0.rowNormsSquared }
            let modeEnergy = shape.indices.map { n -> ModeEnergy in
                let k = modes[n].topRank
                let top = massByMode[n][..<k].reduce(0, +), middle = massByMode[n][k...].reduce(0, +)
                guard total > 0 else { return ModeEnergy(mode: n, top: 0, middle: 0, tail: 0) }
                return ModeEnergy(mode: n, top: top / total, middle: middle / total, tail: Swift.max(0, total - top - middle) / total)
            }
            let projection = BasisProjection(
                coreEnergy: Self.channelCoreEnergy(outProjected: projected[0], inBasis: decompositions[1].u, inDimension: shape[1], spatial: spatial),
                leftMass: massByMode[0], rightMass: massByMode[1], total: total)
            return TaskResult(
                task: task, norm: total.squareRoot(), relativeNorm: baseNorm > 0 ? total.squareRoot() / baseNorm : 0,
                modes: modeEnergy, channelMap: EnergyMap(projection: projection, zones: zones))
        }
    }

    /// C[i][j] = Σₛ (ΔW ×₀ U₀ᵀ ×₁ U₁ᵀ)[i, j, s]²: for each out direction i, the slice (U₀ᵀΔW₍₀₎)ᵢ reshaped
    /// d₁ × S is contracted with U₁ by one GEMM.
    private static func channelCoreEnergy(outProjected: MatrixF, inBasis: MatrixF, inDimension: Int, spatial: Int) -> Matrix<Double> {
        var energy = Matrix<Double>(zeros: outProjected.rows, inBasis.columns)
        for i in 0..<outProjected.rows {
            let slice = MatrixF(rows: inDimension, columns: spatial, elements: outProjected.row(i))
            let core = inBasis.multiplied(by: slice, transposingSelf: true)
            for j in 0..<core.rows { energy[i, j] = core.row(j).reduce(0.0) { $0 + Double($1) * Double($1) } }
        }
        return energy
    }
}
