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
}
