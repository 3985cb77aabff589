import Testing
@testable import Analysis

/// Every number of the layer analysis against the independent numpy float64 reference
/// (`reference/make_fixtures.py`). Tolerance: 1e-4 absolute on fractions, cosines and ratios; 1e-4
/// relative on norms and singular values.
@Suite struct ReferenceComparisonTests {
    static let tolerance = 1e-4

    static func close(_ a: Double, _ b: Double, relative: Bool = false) -> Bool {
        abs(a - b) <= tolerance * (relative ? max(1, abs(b)) : 1)
    }

    static func expectClose(_ actual: [[Double]], _ expected: [[Double]], _ what: String, _ name: String) {
        #expect(actual.count == expected.count, "\(name) \(what): shape")
        for (x, y) in zip(actual.joined(), expected.joined()) { #expect(close(x, y), "\(name) \(what): \(x) vs \(y)") }
    }

    @Test(arguments: try ReferenceFixture.all().filter { $0.kind != "tensor" })
    func layerAnalysisMatchesReference(fixture: ReferenceFixture) throws {
        _ = try Self.check(fixture, compute: ComputeSettings())
    }

    /// Issue #24: the concentrated updates through the leading-spectrum path (forced at this size: no
    /// minimum rank, the block may span r) against the same float64 reference, and against the complete
    /// reduction within 1e-6 (`LeadingUpdateSpectrumTests.expectSameAnswers`).
    @Test func leadingSpectrumMatchesReference() throws {
        let fixture = try #require(try ReferenceFixture.all().first { $0.case.hasPrefix("concentrated") })
        let leading = try Self.check(fixture, compute: ComputeSettings(leadingUpdateSpectra: LeadingSpectrumSettings(initialBlock: 16, maximumBlockFraction: 1, minimumRank: 0)))
        #expect(leading.tasks.allSatisfy { $0.spectrum.computation == .leading }, "\(leading.tasks.map(\.spectrum.computation))")
        #expect(leading.tasks.map(\.spectrum.singularValues.count).allSatisfy { $0 <= 6 })
        let complete = try Self.check(fixture, compute: ComputeSettings(leadingUpdateSpectra: nil))
        #expect(complete.tasks.allSatisfy { $0.spectrum.computation == .complete })
        LeadingUpdateSpectrumTests.expectSameAnswers(leading, complete, tolerance: 1e-6)
    }

    /// Every number of one fixture's layer analysis, computed with `compute`, against the reference.
    @discardableResult
    static func check(_ fixture: ReferenceFixture, compute: ComputeSettings) throws -> LayerAnalysis {
        let e = fixture.expected
        let names = fixture.weightUpdates.indices.map { "task\($0)" }
        let fractions = fixture.options.fractions_4way ?? [0.5, 0.9]
        let options = AnalysisOptions(lowZoneRule: .sigmaSum(fractions[1]), stiRank: nil)
        let result = try LayerAnalyzer(options: options, compute: compute).analyze(name: fixture.case, base: fixture.base.matrix, updates: fixture.weightUpdates, taskNames: names)
        let name = fixture.case
        for (x, y) in zip(result.baseSingularValues, e.singular_values ?? []) { #expect(Self.close(x, y, relative: true), "\(name) σ") }
        #expect(result.topRank == e.zone_k, "\(name) k")
        #expect(result.zonesFourWay?.leftCuts == e.zone_k_4way, "\(name) 4-way cuts")
        let sigma = result.baseSingularValues
        #expect(ZoneRule.energy(0.5).cut(sigma) == e.zone_k_energy_rule)
        if let explicit = fixture.options.explicit_rank { #expect(ZoneRule.rank(explicit).cut(sigma) == e.zone_k_explicit) }
        for (i, (task, expected)) in zip(result.tasks, e.per_model).enumerated() {
            #expect(task.energy.isZeroUpdate == expected.zero_update)
            Self.expectClose(task.energy.energy, expected.energy_map ?? [], "energy map \(i)", name)
            Self.expectClose(task.energy.baseline, expected.baseline ?? [], "baseline \(i)", name)
            for (x, y) in zip(task.energy.baselineRatio.joined(), (expected.baseline_ratio ?? []).joined()) {
                #expect((x == nil) == (y == nil), "\(name) ratio presence")
                if let x, let y { #expect(abs(x - y) <= Self.tolerance * max(1, abs(y)), "\(name) ratio \(x) vs \(y)") }
            }
            #expect(Self.close(task.energy.top, expected.e_top ?? .nan), "\(name) E_I")
            #expect(Self.close(task.energy.middle, expected.e_mid ?? .nan), "\(name) E_II")
            #expect(Self.close(task.energy.middlePlusTail, expected.e_mid_tail ?? .nan), "\(name) E_II+III")
            Self.expectClose(task.energyFourWay?.energy ?? [], e.energy_map_4way?[i] ?? [], "4-way map \(i)", name)
            #expect(Self.close(task.spectrum.norm, expected.delta_norm, relative: true), "\(name) ‖ΔW‖")
            #expect(Self.close(task.spectrum.relativeNorm, expected.relative_norm, relative: true), "\(name) ‖ΔW‖/‖W‖")
            for (x, y) in zip(task.spectrum.singularValues, expected.delta_singular_values ?? []) { #expect(Self.close(x, y, relative: true), "\(name) s(ΔW)") }
            if expected.zero_update {
                #expect(task.spectrum.energyCurve.isEmpty && task.spectrum.effectiveRank90 == 0)
            } else {
                for (x, y) in zip(task.spectrum.energyCurve, expected.energy_curve ?? []) { #expect(Self.close(x, y), "\(name) curve") }
                #expect(task.spectrum.effectiveRank90 == expected.effective_rank_90, "\(name) rank90")
                #expect(task.spectrum.effectiveRank99 == expected.effective_rank_99, "\(name) rank99")
            }
            let intruders = try #require(task.intruders)
            for (x, y) in zip(intruders.maxCosine, expected.intruder_max_cos ?? []) { #expect(Self.close(x, y), "\(name) intruder cos \(x) vs \(y)") }
            #expect(intruders.intruders == (expected.intruders ?? []), "\(name) intruders")
            for (rule, map) in [(ZoneRule.energy(0.5), expected.energy_map_energy_rule), (.rank(fixture.options.explicit_rank ?? 1), expected.energy_map_explicit_rank)] {
                let zones = ZoneSplit(rows: result.rows, columns: result.columns, singularValues: sigma, rule: rule)
                let base = try fixture.base.matrix.singularValueDecomposition()
                let alternative = EnergyMap(projection: BasisProjection(update: fixture.weightUpdates[i], base: base), zones: zones)
                Self.expectClose(alternative.energy, map ?? [], "energy map (\(rule)) \(i)", name)
            }
        }
        guard fixture.weightUpdates.count >= 2, let interference = result.interference, let expectedMatrix = e.interference else { return result }
        #expect(interference.ranks == e.interference_ranks, "\(name) interference ranks")
        Self.expectClose(interference.matrix.map { $0 ?? [] }, expectedMatrix, "interference", name)
        if let c = e.ta_coefficients {
            for (x, y) in zip(interference.all.a + interference.all.b + interference.all.c, c.a + c.b + c.c) { #expect(Self.close(x, y, relative: true), "\(name) a/b/c") }
        }
        #expect(Self.close(interference.all.lambdaStar ?? .nan, e.lambda_star ?? .nan), "\(name) λ*")
        for (x, y) in zip(interference.all.residuals, e.residuals_at_lambda_star ?? []) { #expect(Self.close(x, y), "\(name) residual") }
        let similarity = try #require(result.similarity)
        Self.expectClose(similarity.cosine, (e.cosine ?? []).map { $0.map { $0 ?? 0 } }, "cosine", name)
        for pair in similarity.angles {
            let key = "\(pair.first),\(pair.second)"
            for (x, y) in zip(pair.rightCosines, e.principal_angles_right?[key]?.cosines ?? []) { #expect(Self.close(x, y), "\(name) right angle \(key)") }
            for (x, y) in zip(pair.leftCosines, e.principal_angles_left?[key]?.cosines ?? []) { #expect(Self.close(x, y), "\(name) left angle \(key)") }
        }
        #expect(Self.close(result.singularTaskInterference?.value ?? .nan, e.sti ?? .nan, relative: true), "\(name) STI")
        if let fixed = fixture.options.sti_rank, let expected = e.sti_fixed_rank {
            let svds = try fixture.weightUpdates.map { try $0.singularValueDecomposition(context: name) }
            let sti = SingularTaskInterference(decompositions: svds, ranks: svds.map { min(fixed, $0.rank) })
            #expect(Self.close(sti.value, expected, relative: true), "\(name) STI fixed rank")
        }
        return result
    }

    @Test(arguments: try ReferenceFixture.all().filter { $0.kind == "tensor" })
    func tensorAnalysisMatchesReference(fixture: ReferenceFixture) throws {
        let updates = (fixture.updates ?? []).map(\.floats)
        let result = try TensorModeAnalysis(
            name: fixture.case, shape: fixture.base.shape, base: fixture.base.floats, updates: updates,
            taskNames: updates.indices.map { "task\($0)" })
        for (mode, expected) in zip(result.modes, fixture.expected.modes ?? []) {
            #expect(mode.topRank == expected.zone_k, "\(fixture.case) mode \(mode.mode) k")
            for (x, y) in zip(mode.singularValues, expected.singular_values) { #expect(Self.close(x, y, relative: true)) }
        }
        for (task, expected) in zip(result.tasks, fixture.expected.per_model) {
            #expect(Self.close(task.norm, expected.delta_norm, relative: true))
            let bands = task.modes.map { [$0.top, $0.middle, $0.tail] }
            Self.expectClose(bands, expected.mode_band_energy ?? [], "mode bands", fixture.case)
            Self.expectClose(task.channelMap.energy, expected.channel_energy_map ?? [], "channel map", fixture.case)
        }
    }
}

extension ReferenceFixture: CustomTestStringConvertible {
    var testDescription: String { self.case }
}
