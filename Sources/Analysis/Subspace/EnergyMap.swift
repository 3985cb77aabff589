/// Where an update's energy lands among the zones of the pretrained weight's singular basis.
///
/// For zones a (left, in R^m) and b (right, in R^n) of a ``ZoneSplit``,
/// E[a][b] = ‖P_a ΔW Q_b‖²_F / ‖ΔW‖²_F, with P_a, Q_b the orthogonal projectors onto the zones. The blocks
/// partition ΔW, so Σ_ab E[a][b] = 1 (all zero, with ``isZeroUpdate``, when ΔW = 0).
///
/// The SMILE headline numbers (equal to FusionBench's ProjectedEnergyAnalysis): E_I = E[top][top],
/// E_II = E[middle][middle], E_II+III = Σ over a, b ∉ {top} of E[a][b]. The off-diagonal ("cross") blocks
/// E[top][middle], E[middle][top], … are reported too: an update that maps top input directions to
/// middle output directions is invisible to E_I and E_II+III alike.
///
/// `baseline[a][b]` = |a|·|b| / (m·n) is the expected share of an isotropic random update of the same norm;
/// `baselineRatio` = E / baseline (nil for empty blocks), so 0.05 in a block whose baseline is 0.001 reads
/// as 50× what chance gives.
public struct EnergyMap: Codable, Sendable, Equatable {
    /// The zones (names and cut points).
    public var zones: ZoneSplit
    /// E[a][b], fractions of ‖ΔW‖²_F; rows = left (output) zones, columns = right (input) zones.
    public var energy: [[Double]]
    /// Random-update share |a|·|b| / (m·n).
    public var baseline: [[Double]]
    /// E[a][b] / baseline[a][b]; nil where the block is empty.
    public var baselineRatio: [[Double?]]
    /// True when ‖ΔW‖ = 0: every block is then 0 rather than 0/0.
    public var isZeroUpdate: Bool

    /// E_I: energy in the top×top block.
    public var top: Double { energy[0][0] }
    /// E_II: energy in the middle×middle block.
    public var middle: Double { energy[1][1] }
    /// E_II+III: energy in every block whose left and right zones are both outside the top zone.
    public var middlePlusTail: Double {
        (1..<energy.count).reduce(0) { sum, a in sum + energy[a][1...].reduce(0, +) }
    }
    /// Energy in the cross blocks with exactly one side in the top zone.
    public var topCross: Double {
        energy[0][1...].reduce(0, +) + (1..<energy.count).reduce(0) { $0 + energy[$1][0] }
    }

    /// The map of `projection` over `zones`. Zones that the projection resolves (bands within its depth)
    /// are summed from the core; on each side the rest — the null zone, or on a square side projected
    /// only down to the deepest cut, the band beyond it — is recovered from the masses and the total.
    /// Negative round-off (|x| ≲ 1e-7·‖ΔW‖²) is clamped to 0.
    ///
    /// Precondition: beyond the projection's depth, at most one zone per side has directions.
    public init(projection p: BasisProjection, zones: ZoneSplit) {
        self.zones = zones
        let z = zones.count
        let leftResolved = (0..<(z - 1)).filter { zones.leftBand($0).upperBound <= p.leftMass.count }
        let rightResolved = (0..<(z - 1)).filter { zones.rightBand($0).upperBound <= p.rightMass.count }
        let leftRest = Self.remainder(resolved: leftResolved, count: z, dimension: zones.leftDimension)
        let rightRest = Self.remainder(resolved: rightResolved, count: z, dimension: zones.rightDimension)
        var raw = Array(repeating: Array(repeating: 0.0, count: z), count: z)
        for a in leftResolved {
            for b in rightResolved {
                var sum = 0.0
                for i in zones.leftBand(a) {
                    for j in zones.rightBand(b) { sum += p.coreEnergy[i, j] }
                }
                raw[a][b] = sum
            }
        }
        for a in leftResolved {
            let mass = zones.leftBand(a).reduce(0.0) { $0 + p.leftMass[$1] }
            raw[a][rightRest] = mass - rightResolved.reduce(0.0) { $0 + raw[a][$1] }
        }
        for b in rightResolved {
            let mass = zones.rightBand(b).reduce(0.0) { $0 + p.rightMass[$1] }
            raw[leftRest][b] = mass - leftResolved.reduce(0.0) { $0 + raw[$1][b] }
        }
        let inside = raw.joined().reduce(0, +)
        raw[leftRest][rightRest] = p.total - inside
        let zero = !(p.total > 0)
        isZeroUpdate = zero
        energy = raw.map { row in row.map { zero ? 0 : Swift.max(0, $0) / p.total } }
        let mn = Double(zones.rows * zones.columns)
        baseline = (0..<z).map { a in (0..<z).map { b in Double(zones.leftDimension(a) * zones.rightDimension(b)) / mn } }
        baselineRatio = zip(energy, baseline).map { e, base in zip(e, base).map { $1 > 0 ? $0 / $1 : nil } }
    }

    /// The one zone of a side that the projection does not resolve: the null zone, or the single
    /// non-empty band beyond the depth (on a square side the null zone is empty).
    private static func remainder(resolved: [Int], count: Int, dimension: (Int) -> Int) -> Int {
        let rest = (0..<count).filter { !resolved.contains($0) }
        let occupied = rest.filter { dimension($0) > 0 }
        precondition(occupied.count <= 1, "the projection stops short of more than one non-empty zone")
        return occupied.first ?? count - 1
    }
}
