import Foundation

/// A mergeability verdict with its reasons: which signal crossed which threshold, where, for which tasks.
///
/// Three signals are read (thresholds in ``VerdictThresholds``): the worst task's data-free interference
/// residual at λ*, the pairwise task-vector cosines, and the energy written into the pretrained top zone;
/// a model verdict adds the `layers` signal (``FamilySummary``) and a ``RetentionEstimate``.
/// The verdict is the worst level any signal reaches. Every signal is reported in ``signals`` whether it
/// fired or not, so a user can see what the verdict rests on.
public struct MergeVerdict: Codable, Sendable, Equatable {
    /// One signal's reading.
    public struct Signal: Codable, Sendable, Equatable {
        /// `residual`, `cosine` or `topEnergy`.
        public var name: String
        /// The level this signal alone gives.
        public var level: Mergeability
        /// The value read (worst residual, most extreme cosine, largest E_I).
        public var value: Double
        /// Where it was read: tasks and/or layer.
        public var subject: String
        /// One sentence with the numbers and the threshold crossed (or not).
        public var reason: String
    }

    /// The verdict: the worst level over ``signals``.
    public var level: Mergeability
    /// Which merge the verdict speaks for.
    public var merge: String
    /// The recommended task-arithmetic scale λ* (nil when every update is zero or T = 1).
    public var lambdaStar: Double?
    /// Every signal, worst first.
    public var signals: [Signal]
    /// The graded score: expected share of accuracy kept (model and pair verdicts; nil per layer).
    public var retention: RetentionEstimate?

    /// The signals that reached ``level`` (those that decided the verdict).
    public var decisive: [Signal] { level == .mergeable ? [] : signals.filter { $0.level == level } }

    /// The signal that decided a risky or not-mergeable verdict (the first of ``decisive``, in the order
    /// residual, cosine, top energy, layers); nil when mergeable, i.e. no signal reached risky.
    public var deciding: Signal? { decisive.first }

    /// Adds a signal: the level becomes the worse of the two, signals stay worst first.
    public mutating func include(_ signal: Signal) {
        signals.append(signal)
        signals.sort { $0.level > $1.level }
        level = Swift.max(level, signal.level)
    }

    /// A verdict from explicit parts (for verdicts that no signal computation produced, such as unusable input).
    public init(level: Mergeability, merge: String, lambdaStar: Double?, signals: [Signal]) {
        self.level = level
        self.merge = merge
        self.lambdaStar = lambdaStar
        self.signals = signals
    }

    /// Reads the signals of one layer or of a whole model.
    ///
    /// - Parameters:
    ///   - interference: the objective (one layer's, or the model's combined one).
    ///   - cosine: pairwise task-vector cosines.
    ///   - topEnergy: E_I per task.
    ///   - taskNames: names for the reasons.
    ///   - scope: "layer X" or "model", used in the reasons.
    public init(interference: TaskInterference, cosine: [[Double]], topEnergy: [Double], taskNames: [String], scope: String, thresholds t: VerdictThresholds) {
        var signals = [Signal]()
        let merge = interference.all
        if let worst = merge.residuals.indices.max(by: { merge.residuals[$0] < merge.residuals[$1] }) {
            let value = merge.residuals[worst]
            let level: Mergeability = value >= t.residualNotMergeable ? .notMergeable : value >= t.residualRisky ? .risky : .mergeable
            signals.append(Signal(
                name: "residual", level: level, value: value, subject: taskNames[merge.tasks[worst]],
                reason: String(format: "%@: task %@ keeps %.2f of its own update's error at λ* = %.2f (risky ≥ %.2f, not mergeable ≥ %.2f)",
                               scope, taskNames[merge.tasks[worst]], value, merge.lambdaStar ?? 0, t.residualRisky, t.residualNotMergeable)))
        }
        var extreme: (i: Int, j: Int, value: Double)?
        for i in cosine.indices {
            for j in cosine.indices where j > i {
                if extreme == nil || abs(cosine[i][j]) > abs(extreme!.value) { extreme = (i, j, cosine[i][j]) }
            }
        }
        if let e = extreme {
            let level: Mergeability = e.value <= t.cosineOpposed ? .notMergeable : abs(e.value) >= t.cosineRisky ? .risky : .mergeable
            signals.append(Signal(
                name: "cosine", level: level, value: e.value, subject: "\(taskNames[e.i])+\(taskNames[e.j])",
                reason: String(format: "%@: task vectors of %@ and %@ have cosine %+.3f (risky at |cos| ≥ %.2f, not mergeable ≤ %.2f)",
                               scope, taskNames[e.i], taskNames[e.j], e.value, t.cosineRisky, t.cosineOpposed)))
        }
        if let worst = topEnergy.indices.max(by: { topEnergy[$0] < topEnergy[$1] }) {
            let value = topEnergy[worst]
            let level: Mergeability = value >= t.topEnergyNotMergeable ? .notMergeable : value >= t.topEnergyRisky ? .risky : .mergeable
            signals.append(Signal(
                name: "topEnergy", level: level, value: value, subject: taskNames[worst],
                reason: String(format: "%@: task %@ writes %.1f%% of its update into the pretrained top zone (risky ≥ %.0f%%, not mergeable ≥ %.0f%%)",
                               scope, taskNames[worst], 100 * value, 100 * t.topEnergyRisky, 100 * t.topEnergyNotMergeable)))
        }
        self.signals = signals.sorted { $0.level > $1.level }
        level = signals.map(\.level).max() ?? .mergeable
        self.merge = "task arithmetic of \(merge.tasks.map { taskNames[$0] }.joined(separator: " + ")) at λ*"
        lambdaStar = merge.lambdaStar
    }
}
