/// One upscaled linear layer, FusionBench's `SmileMoELinear`
/// (`fusion_bench/models/smile_moe/linear_from_module.py`): the pretrained layer shared by every task, a
/// router, and one low-rank expert per fine-tune.
///
/// For an input x (see ``PlainLinear`` for the batch convention: one input per row):
///
///     y = W_pre x + b_pre + Σ_{i ∈ T(x)} wᵢ(x) · (uᵢ (svhᵢ x) + Δbᵢ)
///
/// where wᵢ(x) and the selected set T(x) come from ``SmileRouting``: logits ‖V_{i,:g}ᵀ x‖₂ (``SmileGate``),
/// softmax over all experts, keep `topK`, renormalise. With full-rank experts and T(x) = {i}, y = Wᵢ x + bᵢ.
public struct SmileLayer: Sendable, Equatable {
    /// The shared pretrained layer (W_pre, b_pre): state-dict prefix `pretrained_model`.
    public var pretrained: PlainLinear
    /// The router: state-dict prefix `gate`.
    public var gate: SmileGate
    /// The experts in task order: state-dict prefix `experts.{i}`.
    public var experts: [SmileExpert]
    /// How many experts each input is sent to (FusionBench `top_k`).
    public var topK: Int

    /// A layer from its parts. Preconditions: one gate block per expert; matching shapes; 1 ≤ topK ≤ E.
    public init(pretrained: PlainLinear, gate: SmileGate, experts: [SmileExpert], topK: Int) {
        precondition(!experts.isEmpty && gate.expertCount == experts.count, "the gate routes \(gate.expertCount) experts but there are \(experts.count)")
        precondition(gate.inFeatures == pretrained.inFeatures, "gate and pretrained layer take different inputs")
        precondition(experts.allSatisfy { $0.inFeatures == pretrained.inFeatures && $0.outFeatures == pretrained.outFeatures }, "expert shapes differ from the pretrained layer")
        precondition(topK >= 1 && topK <= experts.count, "top_k \(topK) is outside 1…\(experts.count)")
        self.pretrained = pretrained
        self.gate = gate
        self.experts = experts
        self.topK = topK
    }

    /// E.
    public var expertCount: Int { experts.count }
    /// in features.
    public var inFeatures: Int { pretrained.inFeatures }
    /// out features.
    public var outFeatures: Int { pretrained.outFeatures }
    /// k: the experts' rank (the largest, should they differ).
    public var rank: Int { experts.map(\.rank).max() ?? 0 }

    /// The routing of a B×in batch: logits, softmax, the top-k selection and renormalised weights.
    public func route(_ x: MatrixF) -> SmileRouting {
        SmileRouting(logits: gate.logits(x), topK: topK)
    }

    /// The renormalised routing weights wᵢ(x_r), B×E, zero for the experts not selected for input r.
    public func routingWeights(_ x: MatrixF) -> MatrixF { route(x).weights }

    /// y_r = W_pre x_r + b_pre + Σ_{i∈T(x_r)} wᵢ (uᵢ svhᵢ x_r + Δbᵢ) for a B×in batch; B×out.
    ///
    /// Each expert runs only on the inputs routed to it, as in FusionBench.
    public func forward(_ x: MatrixF) -> MatrixF {
        var y = pretrained.forward(x)
        let routing = route(x)
        for (e, expert) in experts.enumerated() {
            let rows = routing.selected.indices.filter { routing.selected[$0].contains(e) }
            guard !rows.isEmpty else { continue }
            let delta = expert.forward(x.gatheringRows(rows))
            for (slot, r) in rows.enumerated() {
                let w = routing.weights[r, e]
                for c in 0..<outFeatures { y[r, c] += w * delta[slot, c] }
            }
        }
        return y
    }

    /// Pretrained + gate + experts.
    public var parameterCount: Int {
        pretrained.parameterCount + gate.parameterCount + experts.reduce(0) { $0 + $1.parameterCount }
    }
}
