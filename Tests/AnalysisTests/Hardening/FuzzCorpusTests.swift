import Foundation
import Testing
@testable import Analysis

extension Hardening {
    /// The committed fuzz inputs, replayed without instrumentation: `valid-…` seeds are accepted and read
    /// completely, `rule-…` seeds are refused with a ``CheckpointError``, and every reproducer in
    /// `fuzz/regressions/` gives an error or a result in under a second — never a crash or a hang.
    struct FuzzCorpusTests {
        /// Opens `url` as a safetensors file and reads every tensor.
        private func readSafetensors(_ url: URL) throws {
            let file = try SafetensorsFile(url: url)
            for info in file.tensors {
                #expect(try file.tensor(info.name).values.count == info.numel)
            }
        }

        /// Opens `url` as a `torch.save` file and reads every tensor.
        private func readTorch(_ url: URL) throws {
            let file = try TorchCheckpointFile(url: url)
            for info in file.tensors {
                #expect(try file.tensor(info.name).values.count == info.numel)
            }
        }

        private func read(_ target: String, _ url: URL) throws {
            switch target {
            case "safetensors": try readSafetensors(url)
            case "torch": try readTorch(url)
            default: try readLoRAConfig(url)
            }
        }

        /// Reads `url` as an adapter config and asks it for a few modules' scales.
        private func readLoRAConfig(_ url: URL) throws {
            let config = try LoRAConfig(url: url, adapter: "fuzz")
            for module in ["encoder.layer.0.attention.self.query", "model.layers.31.self_attn.v_proj"] + config.targetModules {
                #expect(config.scale(for: module).isFinite || !config.loraAlpha.isFinite)
            }
        }

        @Test(arguments: ["safetensors", "lora-config", "torch"])
        func seedsAreAcceptedOrRefusedAsNamed(target: String) throws {
            let seeds = FuzzInputs.files("corpus", target)
            #expect(seeds.count >= 20, "fuzz/corpus/\(target) is missing its seeds")
            for url in seeds {
                let error = checkpointError { try read(target, url) }
                let name = url.lastPathComponent
                #expect(name.hasPrefix("valid-") ? error == nil : error != nil, "\(name): \(error.map(String.init(describing:)) ?? "accepted")")
            }
        }

        @Test(arguments: ["safetensors", "lora-config", "torch"])
        func reproducersFinishQuickly(target: String) throws {
            for url in FuzzInputs.files("regressions", target) {
                let use = ResourceUse.measure {
                    _ = checkpointError { try read(target, url) }
                }
                #expect(use.seconds < 1, "\(url.lastPathComponent) took \(use.seconds) s")
            }
        }
    }
}
