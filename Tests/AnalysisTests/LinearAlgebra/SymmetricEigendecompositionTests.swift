import Testing
@testable import Analysis

@Suite struct SymmetricEigendecompositionTests {
    /// ssyevd's workspace query answers in Float: at n = 4096 its size, 1 + 6n + 2n², is not a Float and
    /// came back rounded down, which LAPACK then refused as an illegal argument.
    @Test func floatWorkspaceQueryBeyondTwoToTheTwentyFour() throws {
        let n = 4096
        var m = MatrixF(zeros: n, n)
        for i in 0..<n { m[i, i] = Float(i % 7) }
        let eigen = try m.symmetricEigendecomposition(context: "diagonal")
        #expect(eigen.eigenvalues.first == 6 && eigen.eigenvalues.last == 0)
        #expect(workspaceLength(Float(1 + 6 * n + 2 * n * n)) >= 1 + 6 * n + 2 * n * n)
    }

    @Test func inPlaceAndCopyingAgree() throws {
        let a = RandomMatrices.gaussian(12, 12, seed: 90).converted(to: Double.self)
        let s = a + a.transposed
        var inPlace = s
        let values = try inPlace.diagonalizeSymmetric()
        let copy = try s.symmetricEigendecomposition()
        #expect(values == copy.eigenvalues && inPlace == copy.vectors)
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 >= $1 })
    }
}
