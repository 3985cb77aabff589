import Foundation
import Testing
@testable import Analysis

/// A case of `Tests/AnalysisTests/Fixtures/merge/`, written by `reference/merge_methods_reference.py`
/// (numpy float64 from the authors' code; `literal` is the code over all min(m, n) slots).
struct MergeFixture: Decodable {
    struct Array2D: Decodable {
        var shape: [Int]
        var data: [Double]
        var matrix: MatrixF { MatrixF(rows: shape[0], columns: shape[1], elements: data.map(Float.init)) }
    }
    struct LoRA: Decodable { var a: Array2D; var b: Array2D; var scale: Double }
    var `case`: String
    var kind: String
    var updates: [Array2D]?
    var lora: [LoRA]?
    var ties_density: Double
    var common_fraction: Double
    var expected: [String: Array2D]
    var literal: [String: Array2D]?

    var weightUpdates: [WeightUpdate] {
        if let lora { return lora.map { .lowRank(b: $0.b.matrix, a: $0.a.matrix, scale: Float($0.scale)) } }
        return updates!.map { .dense($0.matrix) }
    }

    static func all() throws -> [MergeFixture] {
        let folder = Fixtures.url("merge")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted().map {
            try JSONDecoder().decode(MergeFixture.self, from: Data(contentsOf: folder.appendingPathComponent($0)))
        }
    }
}

/// The merge methods against the numpy float64 reference. Tolerance: max |Δ| ≤ 1e-4 · max |expected|
/// (float32 SVDs of well-conditioned matrices of side ≤ 24; the observed error is ~1e-6 relative).
struct MergeReferenceTests {
    static let tolerance: Float = 1e-4

    static func relativeError(_ got: MatrixF, _ expected: MatrixF) -> Float {
        #expect(got.rows == expected.rows && got.columns == expected.columns)
        let scale = expected.elements.map(abs).max() ?? 1
        return (zip(got.elements, expected.elements).map { abs($0 - $1) }.max() ?? 0) / Swift.max(scale, .leastNormalMagnitude)
    }

    @Test func subspaceMethodsMatchTheReference() throws {
        let cases = try MergeFixture.all()
        #expect(cases.count == 5)
        for fixture in cases {
            let updates = fixture.weightUpdates
            let results: [String: MatrixF] = [
                "tsv": try SubspaceMerge.tsv(updates, context: fixture.case),
                "iso_c": try SubspaceMerge.isoC(updates, context: fixture.case),
                "iso_cts": try SubspaceMerge.isoCTS(updates, commonFraction: fixture.common_fraction, context: fixture.case),
            ]
            for (method, got) in results {
                let error = Self.relativeError(got, fixture.expected[method]!.matrix)
                #expect(error < Self.tolerance, "\(fixture.case) \(method): relative error \(error)")
            }
        }
    }

    @Test func tiesAndTaskArithmeticMatchTheReference() throws {
        for fixture in try MergeFixture.all() where fixture.kind == "dense" {
            let vectors = fixture.updates!.map { $0.data.map(Float.init) }
            let shape = fixture.updates![0].shape
            let ties = MatrixF(rows: shape[0], columns: shape[1], elements: TiesMerge.merge(vectors, density: fixture.ties_density))
            #expect(Self.relativeError(ties, fixture.expected["ties"]!.matrix) < 1e-6, "\(fixture.case) ties")
            let sum = MatrixF(rows: shape[0], columns: shape[1], elements: ModelMerger.sum(vectors))
            #expect(Self.relativeError(sum, fixture.expected["ta"]!.matrix) < 1e-6, "\(fixture.case) ta")
        }
    }

    /// The LoRA traps: the reference code over all min(m, n) slots writes into directions no adapter
    /// touched (Iso-C, Iso-CTS) or bends the real ones (TSV-M); limited to the numerical rank, every merged
    /// update stays inside the adapters' column and row spaces.
    @Test func loraMergesStayInTheAdaptersSubspaces() throws {
        for fixture in try MergeFixture.all() where fixture.kind == "lora" {
            let lora = fixture.lora!
            let columnBasis = MatrixF.verticallyConcatenated(lora.map { $0.b.matrix.transposed }).transposed.qr().orthonormal
            let rowBasis = MatrixF.verticallyConcatenated(lora.map(\.a.matrix)).transposed.qr().orthonormal
            for (method, merged) in [("tsv", try SubspaceMerge.tsv(fixture.weightUpdates, context: "t")),
                                     ("iso_c", try SubspaceMerge.isoC(fixture.weightUpdates, context: "t")),
                                     ("iso_cts", try SubspaceMerge.isoCTS(fixture.weightUpdates, context: "t"))] {
                let outsideColumns = merged - columnBasis * columnBasis.multiplied(by: merged, transposingSelf: true)
                let outsideRows = merged - merged.multiplied(by: rowBasis).multiplied(by: rowBasis, transposingOther: true)
                #expect(outsideColumns.frobeniusNorm <= 1e-4 * merged.frobeniusNorm, "\(fixture.case) \(method) leaves the adapters' column space")
                #expect(outsideRows.frobeniusNorm <= 1e-4 * merged.frobeniusNorm, "\(fixture.case) \(method) leaves the adapters' row space")
                let literal = fixture.literal![method]!.matrix
                let literalOutside = literal - columnBasis * columnBasis.multiplied(by: literal, transposingSelf: true)
                if method != "tsv" {
                    #expect(literalOutside.frobeniusNorm > 0.5 * literal.frobeniusNorm, "\(fixture.case) \(method): the literal code should spread outside")
                }
                #expect(Self.relativeError(merged, literal) > 0.01, "\(fixture.case) \(method): restriction should change the result")
            }
        }
    }

    @Test func isoCTSSplitFollowsTheCode() {
        // int(d·0.8), then d − round((d − c)/T)·T with Python's half-to-even round.
        #expect(SubspaceMerge.isoCTSSplit(rank: 384, tasks: 3, commonFraction: 0.8) == (306, 26))
        #expect(SubspaceMerge.isoCTSSplit(rank: 10, tasks: 4, commonFraction: 0.8) == (10, 0))
        #expect(SubspaceMerge.isoCTSSplit(rank: 768, tasks: 8, commonFraction: 0.8) == (616, 19))
        #expect(SubspaceMerge.isoCTSSplit(rank: 24, tasks: 3, commonFraction: 0.8) == (18, 2))
    }

    @Test func zeroAndSingleUpdates() throws {
        let zero = WeightUpdate.lowRank(b: MatrixF(zeros: 6, 0), a: MatrixF(zeros: 0, 5), scale: 1)
        for merged in [try SubspaceMerge.tsv([zero, zero], context: "z"), try SubspaceMerge.isoC([zero, zero], context: "z"), try SubspaceMerge.isoCTS([zero, zero], context: "z")] {
            #expect(merged.rows == 6 && merged.columns == 5 && merged.elements.allSatisfy { $0 == 0 })
        }
        // One task: TSV-M keeps every triplet and the polar factors are the singular vectors: M = τ.
        let tau = RandomMatrices.gaussian(7, 5, seed: 3, scale: 0.1)
        #expect(Self.relativeError(try SubspaceMerge.tsv([.dense(tau)], context: "one"), tau) < 1e-4)
    }
}
