/// The data-free residual of every merging method's update on one 2-D weight, kept as the three sums per
/// task it is built from, so that the whole model's residual at any coefficient is a sum over layers.
///
/// For a method with merged update M (``MergeSettings/mergedUpdate(of:context:)`` at the method's default
/// parameters: TIES density 0.2, Iso-CTS common fraction 0.8) and task i's input subspace Pᵢ = VᵢVᵢᵀ — the
/// right singular vectors of τᵢ = ΔWᵢ holding `interferenceEnergy` (0.9) of its energy, the very Vᵢ of
/// ``TaskInterference`` — the residual of θ_pre + c·M is
///
///     ‖(c·M − τᵢ)Pᵢ‖²_F = c²·aᵢ − 2c·bᵢ + dᵢ,  aᵢ = ‖M Pᵢ‖²_F,  bᵢ = ⟨M Pᵢ, τᵢ Pᵢ⟩_F,  dᵢ = ‖τᵢ Pᵢ‖²_F.
///
/// For task arithmetic (M = Σⱼ τⱼ) aᵢ, bᵢ, dᵢ are ``TaskInterference/Merge``'s aᵢ, bᵢ, cᵢ. A zero update
/// (no subspace) has aᵢ = bᵢ = dᵢ = 0. Computed only when asked (``ComputeSettings/methodResiduals``):
/// three to five SVD-sized merges per layer.
public struct MethodResidualSums: Codable, Sendable, Equatable {
    /// One method's sums, one entry per task in family order.
    public struct Method: Codable, Sendable, Equatable {
        /// The method (`ta`, `ties`, `tsv`, `iso-c`, `iso-cts`).
        public var method: MergeMethod
        /// aᵢ = ‖M Pᵢ‖²_F.
        public var a: [Double]
        /// bᵢ = ⟨M Pᵢ, τᵢ Pᵢ⟩_F.
        public var b: [Double]
        /// dᵢ = ‖τᵢ Pᵢ‖²_F.
        public var d: [Double]
    }

    /// Every method of ``MergeMethod``, in its order.
    public var methods: [Method]

    public init(methods: [Method]) {
        self.methods = methods
    }

    /// The sums of one layer from its updates and the interference subspaces: `rightVectors[i]` holds Vᵢᵀ
    /// in its first `ranks[i]` rows (a thin SVD's `vt`, as ``LayerAnalyzer`` keeps it).
    /// - Throws: ``LinearAlgebraError`` naming `context` when a merge's SVD fails.
    public init(updates: [WeightUpdate], rightVectors: [MatrixF], ranks: [Int], context: String) throws {
        let projectedUpdates = updates.indices.map { i in
            ranks[i] > 0 ? TaskInterference.transposedProduct(updates[i], rightVectors[i].rows(0..<ranks[i])) : nil
        }
        methods = try MergeMethod.allCases.map { method in
            let merged = WeightUpdate.dense(try MergeSettings(method: method).mergedUpdate(of: updates, context: context))
            var sums = Method(method: method, a: [], b: [], d: [])
            for i in updates.indices {
                guard let own = projectedUpdates[i] else {
                    sums.a.append(0); sums.b.append(0); sums.d.append(0)
                    continue
                }
                // (M Vᵢ)ᵀ and (τᵢ Vᵢ)ᵀ, rᵢ × m: ‖M Pᵢ‖ = ‖M Vᵢ‖ since Vᵢ has orthonormal columns.
                let projected = TaskInterference.transposedProduct(merged, rightVectors[i].rows(0..<ranks[i]))
                sums.a.append(projected.frobeniusNormSquared)
                sums.b.append(projected.frobeniusInner(own))
                sums.d.append(own.frobeniusNormSquared)
            }
            return sums
        }
    }

    /// A whole model's sums: every layer's aᵢ, bᵢ, dᵢ added per method and task (the residual of one
    /// coefficient over all layers). Nil for no layer. Precondition: same methods and tasks everywhere.
    public static func combined(_ layers: [MethodResidualSums]) -> MethodResidualSums? {
        guard var total = layers.first else { return nil }
        for layer in layers.dropFirst() {
            for (m, method) in layer.methods.enumerated() {
                for i in method.a.indices {
                    total.methods[m].a[i] += method.a[i]
                    total.methods[m].b[i] += method.b[i]
                    total.methods[m].d[i] += method.d[i]
                }
            }
        }
        return total
    }
}

extension MethodResidualSums {
    /// The names of the layers of T ≥ 2 tasks without sums (computed without
    /// ``ComputeSettings/methodResiduals``): a model-level table over the others would be partial.
    public static func lacking(in layers: [LayerAnalysis]) -> [String] {
        layers.filter { $0.tasks.count >= 2 && $0.methodResiduals == nil }.map(\.name)
    }
}
