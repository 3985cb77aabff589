import Foundation

/// libFuzzer entry for the PEFT config parser: the input is a whole `adapter_config.json`.
///
/// An accepted config is queried for the rank, alpha and scale of a few real module names and of its own
/// `target_modules` entries (names the fuzzer controls, up to the length ``LoRAAdapter`` allows), which
/// runs its `rank_pattern` / `alpha_pattern` regexes. Errors must be ``CheckpointError``s with one-line
/// messages; anything else — a trap, a sanitizer report, a hang (over 5 s) — is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func loraConfigFuzzTarget(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    LoRAConfigFuzzCase.scratch.write(UnsafeRawBufferPointer(start: data, count: size))
    guard let config = expectCheckpointError({ try LoRAConfig(url: LoRAConfigFuzzCase.scratch.url, adapter: "fuzz") }) else { return 0 }
    precondition(config.r > 0, "accepted a non-positive rank")
    let ownNames = config.targetModules.filter { $0.utf8.count <= PatternKeyBudget.maximumModuleNameLength }
    for module in LoRAConfigFuzzCase.modules + ownNames {
        precondition(config.rank(for: module) > 0, "a pattern gave a non-positive rank")
        _ = config.alpha(for: module)
        _ = config.scale(for: module)
    }
    return 0
}

/// State shared by the LoRA config fuzz cases.
enum LoRAConfigFuzzCase {
    /// The file the input is written to.
    nonisolated(unsafe) static let scratch = ScratchFile()

    /// Module names as PEFT sees them in BERT, Llama and GPT-2 models.
    static let modules = [
        "encoder.layer.0.attention.self.query", "model.layers.31.self_attn.v_proj", "transformer.h.11.attn.c_attn", "lm_head",
    ]
}
