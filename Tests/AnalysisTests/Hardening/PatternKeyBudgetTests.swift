import Foundation
import Testing
@testable import Analysis

extension Hardening {
    /// Regression for a hang in the PEFT config parser: `rank_pattern` / `alpha_pattern` keys are
    /// backtracking regexes, and keys such as `(a*)*b` made opening a hostile adapter take exponential time
    /// in the length of its module names. The reproducers in `fuzz/regressions/lora-config/` time out the
    /// `lora-config` fuzz target without the fix; ``PatternKeyBudget`` now refuses such keys and
    /// ``LoRAAdapter`` bounds the names matched against them.
    struct PatternKeyBudgetTests {
        /// Keys as written in real configs: names, dotted suffixes, digit classes, small alternations.
        @Test(arguments: [
            "q_proj", "model.layers.31.self_attn.v_proj", #"^model\.layers\.(1|2)\..*"#, #"layers\.\d+\.mlp\.(gate|up|down)_proj"#,
            #".*\.layers\.\d+\.mlp"#, "layers.[0-9]{2}.q", "(?:q|k|v|o)_proj", "(q|v)_proj.(0|1)", "a*?b", #"\(a*\)*"#,
            "[*+?|(){}]x", "x{3}y{2,2}",
        ])
        func realisticKeysAreAccepted(key: String) {
            #expect(PatternKeyBudget.problem(with: key) == nil)
        }

        /// Exponential and high-degree shapes, and keys over the length limit.
        @Test(arguments: [
            "(a*)*b", "(a+)+b", "(a|aa)*c", "(?:ab){3}", "(a?){2}", "a?a?a?b", ".*.*.*x", "a{1,5}b{2,}c*",
            "(a|b)(c|d)(e|f)", "(q|k|v|o|up)_proj", "a|b|c|d|e", String(repeating: "a", count: 257),
        ])
        func explosiveKeysAreRefused(key: String) {
            #expect(PatternKeyBudget.problem(with: key) != nil)
        }

        @Test func reproducersAreRefusedQuickly() throws {
            let reproducers = FuzzInputs.files("regressions", "lora-config")
            #expect(!reproducers.isEmpty)
            for url in reproducers {
                let use = ResourceUse.measure {
                    guard case let .invalidAdapterConfig(_, reason)? = checkpointError({ _ = try LoRAConfig(url: url, adapter: "fuzz") }) else {
                        Issue.record("\(url.lastPathComponent) was not refused as an invalid config")
                        return
                    }
                    #expect(reason.contains("time"))
                }
                #expect(use.seconds < 1, "\(url.lastPathComponent) took \(use.seconds) s")
            }
        }

        /// The most expensive keys the budget allows, against the most expensive names an adapter may have
        /// (the longest, made of dots, or with a dot at every other byte), stay fast: under half a second
        /// on an idle core, bounded here at 2 s for loaded and sanitizer runs (without the budget, such
        /// keys take minutes to forever).
        @Test(arguments: [".*.*(.|.|.|.)x", "(.|.)(.|.).*.*x", ".*(.|.|.|.).*x", ".?.{0,9}x"])
        func worstAcceptedKeyMatchesInBoundedTime(key: String) throws {
            #expect(PatternKeyBudget.problem(with: key) == nil)
            let length = PatternKeyBudget.maximumModuleNameLength
            for name in [String(repeating: ".", count: length), String(repeating: "a.", count: length / 2)] {
                let use = ResourceUse.measure { #expect(LoRAConfig.patternKey([key], matching: name) == nil) }
                #expect(use.seconds < 2, "\(key) took \(use.seconds) s")
            }
        }

        /// Names longer than the limit are refused when the config has patterns, and accepted when not.
        @Test func overlongModuleNamesAreRefusedWhenMatchedAgainstPatterns() throws {
            let name = String(repeating: "a.", count: PatternKeyBudget.maximumModuleNameLength / 2) + "q"
            let tensors = ["base_model.model.\(name).lora_A.weight": Tensor(zeros: [2, 3]), "base_model.model.\(name).lora_B.weight": Tensor(zeros: [4, 2])]
            let patterns = #""rank_pattern": {"v": 4}"#
            for extra in ["", patterns] {
                let directory = try Fixtures.temporaryDirectory().appendingPathComponent("lora-task")
                try TestModels.adapter(config: TestModels.loraConfig(extra: extra), tensors: tensors, in: directory)
                let error = checkpointError { _ = try LoRAAdapter(directory: directory) }
                if extra.isEmpty {
                    #expect(error == nil)
                } else {
                    guard case let .invalidAdapter(_, tensor, reason)? = error else { Issue.record("accepted a \(name.utf8.count)-byte name"); continue }
                    #expect(tensor == name && reason.contains("\(name.utf8.count) bytes"))
                }
            }
        }
    }
}
