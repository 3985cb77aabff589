import Testing
@testable import Analysis

@Suite struct MatrixBlockTests {
    @Test func setBlockCopiesIntoPlaceAndLeavesTheRest() {
        var m = MatrixF(zeros: 4, 5)
        let block = MatrixF(rows: 2, columns: 3, elements: [1, 2, 3, 4, 5, 6])
        m.setBlock(row: 1, column: 2, to: block)
        #expect(m.rows(1..<3).columns(2..<5) == block)
        #expect(m.elements.reduce(0, +) == 21)
        m.setBlock(row: 0, column: 0, to: MatrixF(zeros: 0, 3))
        #expect(m.elements.reduce(0, +) == 21)
    }
}
