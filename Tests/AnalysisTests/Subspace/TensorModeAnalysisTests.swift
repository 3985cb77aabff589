import Testing
@testable import Analysis

@Suite struct TensorModeAnalysisTests {
    @Test func unfoldingMatchesNumpyMoveaxisReshape() {
        // X shape (2, 3, 2), values 0..<12. Mode 1: moveaxis(X, 1, 0).reshape(3, 4).
        let x = (0..<12).map(Float.init)
        let m1 = unfold(x, shape: [2, 3, 2], mode: 1)
        #expect(m1.rows == 3 && m1.columns == 4)
        #expect(m1.row(0) == [0, 1, 6, 7])
        #expect(m1.row(2) == [4, 5, 10, 11])
        let m2 = unfold(x, shape: [2, 3, 2], mode: 2)
        #expect(m2.row(1) == [1, 3, 5, 7, 9, 11])
    }

    @Test func oneByOneKernelEqualsTheMatrixAnalysis() throws {
        let w = RandomMatrices.gaussian(9, 7, seed: 300)
        let delta = RandomMatrices.gaussian(9, 7, seed: 301)
        let tensor = try TensorModeAnalysis(name: "conv", shape: [9, 7, 1, 1], base: w.elements, updates: [delta.elements], taskNames: ["t"])
        let svd = try w.singularValueDecomposition()
        let matrixMap = EnergyMap(
            projection: BasisProjection(update: .dense(delta), base: svd),
            zones: ZoneSplit(rows: 9, columns: 7, singularValues: svd.singularValues.map(Double.init)))
        for (x, y) in zip(tensor.tasks[0].channelMap.energy.joined(), matrixMap.energy.joined()) { #expect(abs(x - y) < 1e-5) }
    }

    @Test func modeEnergiesAndChannelMapSumToOne() throws {
        let shape = [8, 6, 3, 3]
        let count = shape.reduce(1, *)
        let base = RandomMatrices.gaussian(1, count, seed: 310).elements
        let update = RandomMatrices.gaussian(1, count, seed: 311).elements
        let result = try TensorModeAnalysis(name: "conv", shape: shape, base: base, updates: [update], taskNames: ["t"])
        for mode in result.tasks[0].modes { #expect(abs(mode.top + mode.middle + mode.tail - 1) < 1e-5) }
        #expect(abs(result.tasks[0].channelMap.energy.joined().reduce(0, +) - 1) < 1e-5)
    }
}
