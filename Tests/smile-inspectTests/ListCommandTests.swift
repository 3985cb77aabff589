import Foundation
import Testing

@Suite(.enabled(if: CommandRunner.executable != nil, "the smile-inspect binary is not built"))
struct ListCommandTests {
    @Test func listsTensorsAndTotalsOfACheckpointAndAnAdapter() throws {
        let demo = try DemoFamilyRun.shared.get()
        let base = try CommandRunner.run(["list", demo.base])
        #expect(base.status == 0)
        #expect(base.stdout.contains("encoder.layer.0.attention.self.query.weight  F32    [48, 48]"))
        #expect(base.stdout.contains("stem.conv.weight"))
        #expect(base.stdout.contains(" tensors, "))
        let adapter = try CommandRunner.run(["list", demo.model("beta")])
        #expect(adapter.status == 0)
        #expect(adapter.stdout.contains("r 4, lora_alpha 8, scale 2"))
    }

    @Test func malformedFileIsOneLineNamingItWithExitThree() throws {
        let file = try TestPaths.temporaryDirectory().appendingPathComponent("broken.safetensors")
        var bytes = withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { Array($0) }
        bytes += Array("{}".utf8)
        try Data(bytes).write(to: file)
        let run = try CommandRunner.run(["list", file.path])
        #expect(run.status == 3)
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(run.stderr.contains("broken.safetensors"))
    }
}
