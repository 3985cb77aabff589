/// A partition of the left space R^m and the right space R^n of a weight into zones of its singular bases.
///
/// On each side the first r singular directions are cut into consecutive bands at ascending cut points;
/// the last zone is the null space beyond r (m − r directions on the left, n − r on the right). With one
/// cut this is SMILE's three zones — top (zone I, directions 0..<k), middle (zone II, k..<r), tail (zone
/// III, the null spaces); with two cuts, the four-way split top / middle / low / null.
///
/// For a matrix W = U Σ Vᵀ both sides share r = min(m, n) and the cuts. For an N-D tensor analysed per
/// mode (HOSVD), the left side is the out-channel mode and the right side the in-channel mode, each with
/// its own rank and cuts.
///
/// Zones may be empty (a square matrix has no null space; r = 1 has no middle): an empty zone holds no
/// energy and has a zero random baseline.
public struct ZoneSplit: Codable, Sendable, Equatable {
    /// m: dimension of the left (output) space.
    public let rows: Int
    /// n: dimension of the right (input) space.
    public let columns: Int
    /// Number of left singular directions r_L (min(m, n) for a matrix).
    public let leftRank: Int
    /// Number of right singular directions r_R (min(m, n) for a matrix).
    public let rightRank: Int
    /// Cut points in 0…r_L, ascending.
    public let leftCuts: [Int]
    /// Cut points in 0…r_R, ascending.
    public let rightCuts: [Int]
    /// Zone names: `["top", "middle", "tail"]` or `["top", "middle", "low", "null"]`.
    public let names: [String]

    /// A split with explicit ranks and cuts per side. Preconditions: cuts ascending inside 0…rank, 1 or 2
    /// cuts, the same number on both sides, ranks ≤ dimensions.
    public init(rows: Int, columns: Int, leftRank: Int, rightRank: Int, leftCuts: [Int], rightCuts: [Int]) {
        precondition(leftCuts.count == rightCuts.count && (1...2).contains(leftCuts.count), "one or two cuts per side")
        precondition(leftRank <= rows && rightRank <= columns, "rank exceeds dimension")
        precondition(leftCuts.allSatisfy { (0...leftRank).contains($0) } && leftCuts == leftCuts.sorted(), "left cuts must ascend in 0...rank")
        precondition(rightCuts.allSatisfy { (0...rightRank).contains($0) } && rightCuts == rightCuts.sorted(), "right cuts must ascend in 0...rank")
        self.rows = rows
        self.columns = columns
        self.leftRank = leftRank
        self.rightRank = rightRank
        self.leftCuts = leftCuts
        self.rightCuts = rightCuts
        self.names = leftCuts.count == 1 ? ["top", "middle", "tail"] : ["top", "middle", "low", "null"]
    }

    /// Zones of an m×n matrix with explicit cut points shared by both sides.
    public init(rows: Int, columns: Int, cuts: [Int]) {
        let r = Swift.min(rows, columns)
        self.init(rows: rows, columns: columns, leftRank: r, rightRank: r, leftCuts: cuts, rightCuts: cuts)
    }

    /// The SMILE three-way split of a matrix with these singular values (`rule` picks k).
    public init(rows: Int, columns: Int, singularValues: [Double], rule: ZoneRule = .smileDefault) {
        self.init(rows: rows, columns: columns, cuts: [rule.cut(singularValues)])
    }

    /// The four-way split top / middle / low / null of a matrix, cuts from `rule` and `lowRule`
    /// (k₂ is raised to at least k₁).
    public init(rows: Int, columns: Int, singularValues: [Double], rule: ZoneRule, lowRule: ZoneRule) {
        let k1 = rule.cut(singularValues)
        self.init(rows: rows, columns: columns, cuts: [k1, Swift.max(k1, lowRule.cut(singularValues))])
    }

    /// r = min(r_L, r_R) (= min(m, n) for a matrix).
    public var rank: Int { Swift.min(leftRank, rightRank) }

    /// The SMILE top-zone size k (the first left cut).
    public var topRank: Int { leftCuts.first ?? leftRank }

    /// Number of zones (3 or 4).
    public var count: Int { names.count }

    /// The left singular-direction indices of zone z (empty for the null zone).
    public func leftBand(_ z: Int) -> Range<Int> { Self.band(z, cuts: leftCuts, rank: leftRank) }

    /// The right singular-direction indices of zone z (empty for the null zone).
    public func rightBand(_ z: Int) -> Range<Int> { Self.band(z, cuts: rightCuts, rank: rightRank) }

    /// Dimension of zone z in R^m: band width, or m − r_L for the null zone.
    public func leftDimension(_ z: Int) -> Int { z == count - 1 ? rows - leftRank : leftBand(z).count }

    /// Dimension of zone z in R^n: band width, or n − r_R for the null zone.
    public func rightDimension(_ z: Int) -> Int { z == count - 1 ? columns - rightRank : rightBand(z).count }

    private static func band(_ z: Int, cuts: [Int], rank: Int) -> Range<Int> {
        let bounds = [0] + cuts + [rank]
        return z < cuts.count + 1 ? bounds[z]..<bounds[z + 1] : rank..<rank
    }
}
