import Foundation
import Testing
@testable import Analysis

/// The blocked STI against the textbook R×R product, and its zero for orthogonal tasks.
@Suite struct SingularTaskInterferenceTests {
    /// ‖(UᵀU − I) Σ (VᵀV − I)‖₁ formed literally, in Double.
    static func textbook(_ svds: [SingularValueDecomposition<Float>], _ ranks: [Int]) -> Double {
        let u = svds.indices.map { svds[$0].u.columns(0..<ranks[$0]).converted(to: Double.self) }
        let vt = svds.indices.map { svds[$0].vt.rows(0..<ranks[$0]).converted(to: Double.self) }
        let sigma = svds.indices.flatMap { svds[$0].singularValues.prefix(ranks[$0]).map(Double.init) }
        let size = sigma.count
        var a = MatrixD(zeros: size, size), b = MatrixD(zeros: size, size)
        var row = 0
        for i in u.indices {
            var column = 0
            for j in u.indices {
                a.setBlock(row: row, column: column, to: u[i].multiplied(by: u[j], transposingSelf: true))
                b.setBlock(row: row, column: column, to: vt[i].multiplied(by: vt[j], transposingOther: true))
                column += ranks[j]
            }
            row += ranks[i]
        }
        for k in 0..<size { a[k, k] -= 1; b[k, k] -= 1 }
        return (a.scalingColumns(by: sigma) * b).elements.reduce(0) { $0 + abs($1) }
    }

    @Test func blockedProductMatchesTheTextbookOne() throws {
        let svds = try [(0, 3), (1, 5), (2, 2)].map { seed, q in
            try RandomMatrices.lowRank(30, 24, rank: q, seed: UInt64(70 + seed)).dense.singularValueDecomposition()
        }
        for ranks in [[3, 5, 2], [2, 4, 1], [3, 3, 3]] {
            let sti = SingularTaskInterference(decompositions: svds, ranks: ranks)
            let expected = Self.textbook(svds, ranks)
            #expect(abs(sti.value - expected) <= 1e-4 * expected, "ranks \(ranks): \(sti.value) vs \(expected)")
        }
    }

    @Test func orthogonalTasksDoNotInterfere() throws {
        // Two updates living in disjoint coordinate blocks: every cross inner product is 0.
        var first = MatrixF(zeros: 20, 16), second = MatrixF(zeros: 20, 16)
        first.setBlock(row: 0, column: 0, to: RandomMatrices.gaussian(10, 8, seed: 80))
        second.setBlock(row: 10, column: 8, to: RandomMatrices.gaussian(10, 8, seed: 81))
        let svds = try [first, second].map { try $0.singularValueDecomposition().truncated(to: 4) }
        let sti = SingularTaskInterference(decompositions: svds, ranks: [4, 4])
        #expect(sti.normalized <= 1e-6, "\(sti.normalized)")
    }

    /// T copies of one task: every overlap block is I, so block (i, l) of the product is (T−1)·Σ on the
    /// diagonal and (T−2)·Σ off it, and STI / (T·Σσ) = (T−1)² exactly.
    @Test(arguments: [2, 3, 4])
    func identicalTasksGiveTheClosedForm(copies: Int) throws {
        let svd = try RandomMatrices.lowRank(28, 20, rank: 5, seed: 90).dense.singularValueDecomposition().truncated(to: 5)
        let sti = SingularTaskInterference(decompositions: Array(repeating: svd, count: copies), ranks: Array(repeating: 5, count: copies))
        let expected = Double((copies - 1) * (copies - 1))
        #expect(abs(sti.normalized - expected) <= 1e-5 * expected, "\(copies) copies: \(sti.normalized)")
    }
}
