import Testing
@testable import Analysis

/// Reading and judging mergekit configs: every bad input is one line naming the key.
@Suite struct MergekitConfigReadingTests {
    static let good = """
        merge_method: ties
        base_model: base/
        dtype: bfloat16
        parameters:
          normalize: false
          lambda: 2
        models:
          - model: a/
            parameters: {weight: 0.5, density: 0.4}
          - model: b/
            parameters:
              weight: 1
        """

    @Test func readsTheKeysItJudges() throws {
        let config = try MergekitConfig(yaml: Self.good, file: "c.yml")
        #expect(config.mergeMethod == "ties" && config.baseModel == "base/" && config.dtype == "bfloat16")
        #expect(config.models.map(\.model) == ["a/", "b/"])
        #expect(config.models.map { $0.parameters?.density } == [0.4, nil])
        #expect(config.effectiveWeights == [1.0, 2.0])
    }

    @Test func normalizeFollowsMergekitsDefaults() throws {
        let ties = try MergekitConfig(yaml: Self.good.replacingOccurrences(of: "  normalize: false\n", with: ""), file: "c.yml")
        let expected: [Double] = [1.0 / 1.5, 2.0 / 1.5]
        for (x, y) in zip(ties.effectiveWeights, expected) { #expect(abs(x - y) < 1e-12) }
        let ta = try MergekitConfig(yaml: Self.good.replacingOccurrences(of: "ties", with: "task_arithmetic").replacingOccurrences(of: "  normalize: false\n", with: ""), file: "c.yml")
        #expect(ta.effectiveWeights == [1.0, 2.0])
    }

    @Test func badConfigsNameTheKey() {
        let cases: [(String, String, String)] = [
            ("merge_method: ties", "merge_method: frobnicate", "merge_method"),
            ("merge_method: ties", "merge_method: slerp", "merge_method"),
            ("base_model: base/\n", "", "base_model"),
            ("weight: 0.5", "weight: half", "models[0].parameters.weight"),
            ("weight: 0.5", "weight: [0.1, 0.9]", "models[0].parameters.weight"),
            ("weight: 0.5, ", "", "models[0].parameters.weight"),
            ("density: 0.4", "density: 1.5", "models[0].parameters.density"),
            ("  - model: b/", "  - nodel: b/", "models[1].model"),
            ("normalize: false", "normalize: maybe", "parameters.normalize"),
        ]
        for (from, to, key) in cases {
            let yaml = Self.good.replacingOccurrences(of: from, with: to)
            #expect(yaml != Self.good, "\(from)")
            #expect(throws: MergekitConfigError.self, "\(key)") { try MergekitConfig(yaml: yaml, file: "c.yml") }
            do { _ = try MergekitConfig(yaml: yaml, file: "c.yml") } catch let error as MergekitConfigError {
                #expect(error.key == key, "\(error)")
                #expect(!error.description.contains("\n"))
            } catch { Issue.record("\(error)") }
        }
    }

    @Test func judgesTheConfigsWeightsAgainstLambdaStarAndWStar() throws {
        let c = try TaskWeightsTests.cases()[0]
        let model = try TaskWeightsTests.model(c)
        let lambda = try #require(model.all.lambdaStar)
        let yaml = "merge_method: task_arithmetic\nbase_model: b\nmodels:\n" + (0..<3).map { "  - model: m\($0)\n    parameters: {weight: \(lambda)}\n" }.joined()
        let judged = MergekitJudgement(config: try MergekitConfig(yaml: yaml, file: "c.yml"), tasks: [0, 1, 2], interference: model)
        for (x, y) in zip(judged.residualsAtConfig, model.all.residuals) { #expect(abs(x - y) < 1e-9) }
        #expect(judged.notes.isEmpty)
        let w = try #require(judged.weights)
        #expect(w.residuals.reduce(0, +) <= judged.residualsAtConfig.reduce(0, +) + 1e-12)
        let ties = MergekitJudgement(config: try MergekitConfig(yaml: Self.good, file: "c.yml"), tasks: [0, 2], interference: model)
        #expect(ties.notes.count == 1 && ties.notes[0].contains("sign election"))
        #expect(ties.effectiveWeights == [1, 2])
    }

    @Test func densityAndEpsilonDefaultToTheTopLevelParametersAsInMergekit() throws {
        let yaml = Self.good.replacingOccurrences(of: "  lambda: 2\n", with: "  lambda: 2\n  density: 0.3\n  epsilon: 0.1\n")
        let ties = try MergekitConfig(yaml: yaml, file: "c.yml")
        #expect(ties.models.map { $0.parameters?.density } == [0.4, 0.3])
        #expect(ties.models.map { $0.parameters?.epsilon } == [nil, nil])
        let settings = try #require(SparsificationSettings(config: ties, tasks: [2, 0]))
        #expect(settings.method == .magnitude && settings.electsSigns && settings.tasks == [2, 0])
        #expect(settings.densities == [0.4, 0.3] && settings.weights == [0.5, 1] && settings.epsilons == [0, 0])
        let della = try MergekitConfig(yaml: yaml.replacingOccurrences(of: "merge_method: ties", with: "merge_method: della"), file: "c.yml")
        #expect(della.models.map { $0.parameters?.epsilon } == [0.1, 0.1])
        #expect(SparsificationSettings(config: della, tasks: [0, 1])?.method == .dellaMagprune)
        let methods: [(String, SparsificationSettings.Method?, Bool)] = [
            ("dare_ties", .random, true), ("dare_linear", .random, false), ("della_linear", .dellaMagprune, false), ("task_arithmetic", nil, false), ("breadcrumbs", nil, false),
        ]
        for (method, expected, elects) in methods {
            let config = try MergekitConfig(yaml: Self.good.replacingOccurrences(of: "merge_method: ties", with: "merge_method: \(method)"), file: "c.yml")
            let s = SparsificationSettings(config: config, tasks: [0, 1])
            #expect(s?.method == expected && (s?.electsSigns ?? false) == elects, "\(method)")
        }
    }

    @Test func dellaRefusesAnEpsilonMergekitRefuses() {
        // density 0.4 ± the default ε 0.15 is fine; 0.9 + 0.15 ≥ 1 is not, nor is an explicit ε of 0.5.
        for (from, to) in [("density: 0.4}", "density: 0.9}"), ("density: 0.4}", "density: 0.4, epsilon: 0.5}")] {
            let yaml = Self.good.replacingOccurrences(of: "merge_method: ties", with: "merge_method: della").replacingOccurrences(of: from, with: to)
            do {
                _ = try MergekitConfig(yaml: yaml, file: "c.yml")
                Issue.record("accepted \(to)")
            } catch let error as MergekitConfigError {
                #expect(error.key == "models[0].parameters.epsilon", "\(error)")
            } catch { Issue.record("\(error)") }
        }
        #expect(throws: Never.self) { try MergekitConfig(yaml: Self.good.replacingOccurrences(of: "merge_method: ties", with: "merge_method: della"), file: "c.yml") }
    }
}
