import Analysis
import Foundation
import Testing

@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct LayerCommandTests {
    static func layer(_ format: String, layer: String = "layer.1.intermediate.dense") throws -> CommandRunner.Result {
        let demo = try DemoFamilyRun.shared.get()
        return try CommandRunner.run(["layer", "--base", demo.base, "--models", demo.model("alpha"), demo.model("beta"), demo.model("gamma"),
                                      "--layer", layer, "--format", format])
    }

    @Test func jsonEqualsTheLibraryResult() throws {
        let demo = try DemoFamilyRun.shared.get()
        let run = try Self.layer("json")
        #expect(run.status == 0, "\(run.stderr)")
        let fromCLI = try JSONDecoder().decode(LayerAnalysis.self, from: Data(run.stdout.utf8))
        let family = try ModelFamily.open(base: demo.base, models: ["alpha", "beta", "gamma"].map(demo.model))
        let name = "encoder.layer.1.intermediate.dense.weight"
        let library = try LayerAnalyzer().analyze(name: name, base: try #require(try family.baseTensor(name).matrix), updates: try family.updates(for: name), taskNames: family.taskNames)
        #expect(fromCLI.name == library.name && fromCLI.taskNames == library.taskNames)
        // One computation in two processes, whose OpenBLAS thread counts differ (the CLI sets its own),
        // so sums may run in other orders: the float32 products of inner dimension ≤ k = 96 then differ by
        // √k·ε₃₂ relative (see AnalysisTests' RoundingTolerance); energies, fractions of ‖ΔW‖², by
        // 4·√k·ε₃₂ (FewUpdateVectorsTests.layerAgreesWithTheOneStagePath derives it); ‖ΔW‖ and λ* (a
        // ratio of such sums) by a few √k·ε₃₂ relative. ≈ 4.7e-6 absolute for the energies.
        let rounding = Double(max(fromCLI.rows, fromCLI.columns)).squareRoot() * Double(Float.ulpOfOne)
        for (a, b) in zip(fromCLI.tasks, library.tasks) {
            for (x, y) in zip(a.energy.energy.joined(), b.energy.energy.joined()) { #expect(abs(x - y) <= 4 * rounding, "energy \(x) vs \(y)") }
            #expect(abs(a.spectrum.norm - b.spectrum.norm) <= 4 * rounding * b.spectrum.norm)
        }
        #expect(fromCLI.verdict?.level == library.verdict?.level)
        let lambda = (fromCLI.interference?.all.lambdaStar ?? 0, library.interference?.all.lambdaStar ?? 1)
        #expect(abs(lambda.0 - lambda.1) <= 4 * rounding * max(1, abs(lambda.1)), "λ* \(lambda.0) vs \(lambda.1)")
    }

    @Test func textMarkdownAndCSVParse() throws {
        let text = try Self.layer("text")
        #expect(text.status == 0)
        #expect(text.stdout.contains("Layer encoder.layer.1.intermediate.dense.weight  (96×48, 3 tasks)"))
        #expect(text.stdout.contains("Energy map of gamma"))
        let markdown = try Self.layer("markdown")
        #expect(markdown.stdout.hasPrefix("## Layer "))
        #expect(markdown.stdout.contains("|---:|"))
        let csv = try Self.layer("csv")
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.count == 4)
        let header = lines[0].split(separator: ",").map(String.init)
        // The JSON's vocabulary: E_I, E_II, E_II_III (not e_top / e_mid / e_mid_tail).
        #expect(header.first == "layer" && header.contains("E_I") && header.contains("E_II") && header.contains("E_II_III") && header.contains("E_top_middle"))
        #expect(!header.contains { $0.hasPrefix("e_") })
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            #expect(fields.count == header.count)
            #expect(Double(fields[header.firstIndex(of: "E_I")!]) != nil)
        }
    }

    @Test func wrongLayerNameListsCandidatesAndExitsThree() throws {
        let run = try Self.layer("text", layer: "layer.1.intermediate.dens")
        #expect(run.status == 3)
        #expect(run.stdout.isEmpty)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("encoder.layer.1.intermediate.dense.weight"))
    }
}
