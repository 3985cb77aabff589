import Analysis
import Foundation
import Testing

/// `smile-inspect upscale` with no shared-path flags writes the Iso-C path (c 3 for a family with a full
/// fine-tune, β ½) and records it; `--shared pretrained` keeps β 1 and W_pre.
@Suite struct UpscaleSharedPathCommandTests {
    @Test func defaultIsIsoCWithHalfScaledExperts() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let paths = try DemoFamily.write(to: root.appendingPathComponent("family"))
        let family = ["upscale", "--base", paths.base.path, "--models"] + paths.models.map(\.path) + ["--quiet", "--k", "2", "--probe-samples", "0"]
        let iso = root.appendingPathComponent("iso"), pre = root.appendingPathComponent("pre")
        let run = try CommandRunner.run(family + ["--out", iso.path])
        #expect(run.status == 0, "\(run.stderr)")
        let config = try SmileConfig.decode(Data(contentsOf: iso.appendingPathComponent(SmileConfig.fileName)))
        #expect(config.sharedPath == "iso-c:3.0" && config.sharedCoefficient == 3 && config.expertScale == 0.5)
        #expect(!config.modules.isEmpty && config.modules.allSatisfy { $0.sharedLambda == 3 })
        let plain = try CommandRunner.run(family + ["--out", pre.path, "--shared", "pretrained"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let pretrained = try SmileConfig.decode(Data(contentsOf: pre.appendingPathComponent(SmileConfig.fileName)))
        #expect(pretrained.sharedPath == "pretrained" && pretrained.sharedCoefficient == 0 && pretrained.expertScale == 1)
        // u = β U: every kept column of a written expert has norm β (½), with W_pre's it has norm 1.
        let written = try Checkpoint(url: iso), base = try Checkpoint(url: pre)
        for module in config.modules {
            for (checkpoint, beta) in [(written, Float(0.5)), (base, Float(1))] {
                let u = try #require(try checkpoint.tensor(module.module + ".experts.0.u").matrix)
                for c in 0..<u.columns {
                    let norm = (0..<u.rows).reduce(Float(0)) { $0 + u[$1, c] * u[$1, c] }.squareRoot()
                    #expect(norm < 1e-6 || abs(norm - beta) < 1e-4, "\(module.module) column \(c): \(norm)")
                }
            }
        }
        let readme = try String(contentsOf: iso.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("W_pre + c·M_IsoC (c = 3)") && readme.contains("β = 0.5"))
    }

    /// `--shared tsv` writes W_pre + α·M_TSV (α 1 for a family with a full fine-tune, β ½) and records it;
    /// W_shared − W_pre is α times `merge --method tsv --alpha 1`'s update of the same layer.
    @Test func tsvPathIsRecordedAndIsTheMerge() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let paths = try DemoFamily.write(to: root.appendingPathComponent("family"))
        let models = paths.models.map(\.path)
        let out = root.appendingPathComponent("tsv"), merged = root.appendingPathComponent("merged")
        let run = try CommandRunner.run(["upscale", "--base", paths.base.path, "--models"] + models
            + ["--quiet", "--k", "2", "--probe-samples", "0", "--out", out.path, "--shared", "tsv:0.5"])
        #expect(run.status == 0, "\(run.stderr)")
        let config = try SmileConfig.decode(Data(contentsOf: out.appendingPathComponent(SmileConfig.fileName)))
        #expect(config.sharedPath == "tsv:0.5" && config.sharedCoefficient == 0.5 && config.expertScale == 0.5)
        #expect(!config.modules.isEmpty && config.modules.allSatisfy { $0.sharedLambda == 0.5 })
        let merge = try CommandRunner.run(["merge", "--base", paths.base.path, "--models"] + models
            + ["--method", "tsv", "--alpha", "1", "--quiet", "--out", merged.path])
        #expect(merge.status == 0, "\(merge.stderr)")
        let written = try Checkpoint(url: out), mergedModel = try Checkpoint(url: merged), base = try Checkpoint(url: paths.base)
        for module in config.modules {
            let shared = try #require(try written.tensor(module.module + ".pretrained_model.weight").matrix)
            let pre = try #require(try base.tensor(module.module + ".weight").matrix)
            let full = try #require(try mergedModel.tensor(module.module + ".weight").matrix)
            let expected = pre + 0.5 * (full - pre)
            #expect(zip(shared.elements, expected.elements).map { abs($0 - $1) }.max() ?? 1 < 1e-5, "\(module.module)")
        }
        let readme = try String(contentsOf: out.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("W_pre + α·M_TSV (α = 0.5)") && readme.contains("β = 0.5"))
        let plain = try CommandRunner.run(["upscale", "--base", paths.base.path, "--models"] + models
            + ["--quiet", "--k", "2", "--probe-samples", "0", "--out", root.appendingPathComponent("default-tsv").path, "--shared", "tsv"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let resolved = try SmileConfig.decode(Data(contentsOf: root.appendingPathComponent("default-tsv").appendingPathComponent(SmileConfig.fileName)))
        #expect(resolved.sharedPath == "tsv:1.0" && resolved.sharedCoefficient == 1)
    }

    /// A bad TSV-M coefficient is one line on standard error, exit 64, nothing written.
    @Test func badTSVCoefficientIsUsageError() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let paths = try DemoFamily.write(to: root.appendingPathComponent("family"))
        let out = root.appendingPathComponent("smile")
        for bad in ["tsv:x", "tsv:", "tsv:inf", "tsv0.5"] {
            let run = try CommandRunner.run(["upscale", "--base", paths.base.path, "--models"] + paths.models.map(\.path) + ["--quiet", "--out", out.path, "--shared", bad])
            #expect(run.status == 64, "\(bad): \(run.status)")
            let lines = run.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage") && !$0.hasPrefix("  See") && !$0.isEmpty }
            #expect(lines.count == 1 && run.stderr.contains("--shared must be iso-c, iso-c:c, tsv, tsv:α"), "\(bad): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path), "\(bad) left output behind")
        }
    }
}
