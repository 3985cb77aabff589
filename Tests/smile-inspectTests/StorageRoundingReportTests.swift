import Foundation
import Testing

/// The storage-rounding note of the text and markdown reports on the committed fixture families
/// (`Tests/AnalysisTests/Fixtures/storage_rounding/`, see `reference/storage_rounding_reference.py`): the BF16
/// family has task-layers with ρ ≥ 1% and ρ ≥ 10%, the F32 one none.
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct StorageRoundingReportTests {
    static func family(_ dtype: String) -> [String] {
        let folder = TestPaths.repositoryRoot.appendingPathComponent("Tests/AnalysisTests/Fixtures/storage_rounding/\(dtype)")
        return ["--base", folder.appendingPathComponent("base.safetensors").path,
                "--models", folder.appendingPathComponent("a.safetensors").path, folder.appendingPathComponent("b.safetensors").path]
    }

    static func occurrences(_ text: String, _ phrase: String) -> Int { text.components(separatedBy: phrase).count - 1 }

    @Test(arguments: ["text", "markdown"])
    func modelReportSaysOnceWhichRanksAreWithinTheFloor(format: String) throws {
        let run = try CommandRunner.run(["model", "--quiet"] + Self.family("bf16") + ["--no-intruders", "--format", format])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Self.occurrences(run.stdout, "Storage rounding:") == 1, "\(run.stdout)")
        // Reference: ρ ≥ 1% in layer.0 (a 24%, b 215%) and layer.1 / b (2.6%); ≥ 10% in layer.0 only.
        #expect(run.stdout.contains("3 of 6 task-layers (BF16; ρ 2.6%–214.7%, largest layer.0.weight / b)"), "\(run.stdout)")
        #expect(run.stdout.contains("In 2 of 6 task-layers (BF16; ρ 24.0%–214.7%, largest layer.0.weight / b) ρ ≥ 10%: rank90 too."))
        // layer.1 / a: ρ 0.68%, ρ + ρ_pre 1.36%.
        #expect(run.stdout.contains("In layer.1.weight / a (BF16, ρ + ρ_pre = 1.4%) ρ < 1% but W_pre's own rounding"))
        let clean = try CommandRunner.run(["model", "--quiet"] + Self.family("f32") + ["--no-intruders", "--format", format])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(!clean.stdout.contains("Storage rounding"))
    }

    @Test func layerReportNamesTheTaskAndOnlyWhenAffected() throws {
        let affected = try CommandRunner.run(["layer"] + Self.family("bf16") + ["--layer", "layer.1.weight", "--format", "text"])
        #expect(affected.status == 0, "\(affected.stderr)")
        #expect(affected.stdout.contains("Storage rounding: in layer.1.weight / b (BF16, ρ = 2.6%)"), "\(affected.stdout)")
        #expect(!affected.stdout.contains("rank90 too"))
        let clean = try CommandRunner.run(["layer"] + Self.family("bf16") + ["--layer", "layer.2.weight", "--format", "text"])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(!clean.stdout.contains("Storage rounding"))
    }
}
