import Foundation
import Testing

/// Nothing is dropped silently: an adapter module the base lacks and a selection that leaves nothing are
/// input errors (exit 3, one line naming them) in every command, and a report from a results store alone
/// refuses a computing option the store was not computed with, naming the option and both values.
@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct NothingDroppedTests {
    /// A copy of the demo's LoRA adapter `beta` whose `encoder.layer.1.` modules are renamed
    /// `encoder.layer.9.` (same length, so only the header's names change): 4 modules the base lacks.
    static func renamedAdapter(_ demo: DemoFamilyRun.Run) throws -> URL {
        let directory = try TestPaths.temporaryDirectory().appendingPathComponent("beta9")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let source = URL(fileURLWithPath: demo.model("beta"))
        try FileManager.default.copyItem(at: source.appendingPathComponent("adapter_config.json"), to: directory.appendingPathComponent("adapter_config.json"))
        var bytes = [UInt8](try Data(contentsOf: source.appendingPathComponent("adapter_model.safetensors")))
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self).replacingOccurrences(of: "encoder.layer.1.", with: "encoder.layer.9.")
        bytes.replaceSubrange(8..<(8 + headerLength), with: Array(header.utf8))
        try Data(bytes).write(to: directory.appendingPathComponent("adapter_model.safetensors"))
        return directory
    }

    static func oneErrorLine(_ run: CommandRunner.Result) -> String? {
        let lines = run.stderr.split(separator: "\n")
        return lines.count == 1 && lines[0].hasPrefix("error: ") ? String(lines[0]) : nil
    }

    @Test func anAdapterModuleTheBaseLacksIsAnInputErrorInEveryCommand() throws {
        let demo = try DemoFamilyRun.shared.get()
        let adapter = try Self.renamedAdapter(demo)
        let family = ["--base", demo.base, "--models", demo.model("alpha"), adapter.path]
        let out = try TestPaths.temporaryDirectory()
        let runs: [(String, [String])] = [
            ("model", ["model"] + family + ["--quiet"]),
            ("mergeable", ["mergeable"] + family + ["--quiet"]),
            ("layer", ["layer"] + family + ["--layer", "layer.0.attention.self.query"]),
            ("upscale", ["upscale"] + family + ["--out", out.appendingPathComponent("moe").path, "--quiet"]),
        ]
        for (command, arguments) in runs {
            let run = try CommandRunner.run(arguments)
            #expect(run.status == 3, "\(command) exited \(run.status): \(run.stdout)")
            let line = Self.oneErrorLine(run)
            #expect(line?.contains("4 adapted module(s)") == true && line?.contains("encoder.layer.9.attention.self.query.weight") == true, "\(command): \(run.stderr)")
            #expect(run.stdout.isEmpty, "\(command) printed a report")
        }
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("moe").path))
    }

    @Test func aSelectionThatLeavesNothingIsAnInputError() throws {
        let demo = try DemoFamilyRun.shared.get()
        let family = ["--base", demo.base, "--models", demo.model("alpha"), demo.model("beta")]
        let out = try TestPaths.temporaryDirectory()
        for arguments in [
            ["model"] + family + ["--include", "nomatch", "--quiet"],
            ["mergeable"] + family + ["--include", "nomatch", "--quiet"],
            ["model"] + family + ["--exclude", ".", "--quiet"],
            ["upscale"] + family + ["--include", "nomatch", "--out", out.appendingPathComponent("moe").path, "--quiet"],
        ] {
            let run = try CommandRunner.run(arguments)
            #expect(run.status == 3, "\(arguments): \(run.stdout)")
            let line = Self.oneErrorLine(run)
            #expect(line != nil && (line!.contains("--include 'nomatch'") || line!.contains("--exclude '.'")), "\(arguments): \(run.stderr)")
            #expect(run.stdout.isEmpty)
        }
        // Vectors only: a report, but no zone energies and no claim about the number of models.
        let vectors = try CommandRunner.run(["model"] + family + ["--include", "LayerNorm", "--quiet"])
        #expect(vectors.status == 0)
        #expect(vectors.stdout.contains("Analysed 0 linear weights, 0 N-D tensors, 2 vectors"))
        #expect(!vectors.stdout.contains("needs at least two fine-tuned models") && !vectors.stdout.contains("100.00%"), "\(vectors.stdout)")
        #expect(vectors.stdout.contains("no linear weight was selected"))
    }

    @Test func aStoreAloneRefusesAComputingOptionItWasNotComputedWith() throws {
        let demo = try DemoFamilyRun.shared.get()
        let store = try TestPaths.temporaryDirectory().appendingPathComponent("store").path
        let computed = try CommandRunner.run(["model", "--base", demo.base, "--models", demo.model("alpha"), demo.model("beta"), "--store", store, "--quiet", "--format", "json"])
        #expect(computed.status == 0, "\(computed.stderr)")
        let refusals: [([String], [String])] = [
            (["model", "--store", store, "--zone-fraction", "0.4"], ["--zone-fraction", "0.5", "0.4"]),
            (["model", "--store", store, "--zone-rule", "rank"], ["--zone-rule", "sigma-sum", "rank"]),
            (["mergeable", "--store", store, "--interference-energy", "0.8"], ["--interference-energy", "0.9", "0.8"]),
            (["report", "--store", store, "--residual-risky", "0.2"], []),
            (["model", "--store", store, "--include", "attention"], ["--include", "none", "'attention'"]),
            (["layer", "--store", store, "--layer", "layer.0.attention.self.query", "--low-fraction", "0.9"], ["--low-fraction", "none", "0.9"]),
        ]
        for (arguments, named) in refusals {
            let run = try CommandRunner.run(arguments)
            if named.isEmpty {
                #expect(run.status == 0, "\(arguments): \(run.stderr)")
                continue
            }
            #expect(run.status == 3, "\(arguments) exited \(run.status)")
            let line = Self.oneErrorLine(run)
            #expect(line != nil && named.allSatisfy { line!.contains($0) }, "\(arguments): \(run.stderr)")
            #expect(run.stdout.isEmpty)
        }
        // The store's own values, given explicitly, are accepted; thresholds re-judge freely.
        let same = try CommandRunner.run(["model", "--store", store, "--zone-fraction", "0.5", "--format", "json"])
        #expect(same.status == 0, "\(same.stderr)")
        #expect(try CommandRunner.run(["mergeable", "--store", store, "--residual-risky", "0.01", "--residual-not-mergeable", "0.02"]).status != 3)
    }
}
