import Foundation

/// Compares a PEFT LoRA adapter with the base it is meant for (adapter config and factor headers only).
///
/// Findings: no adapted module is a base weight (incompatible); some are not (incompatible too: their
/// updates would be dropped, the loader's ``CheckpointError/unmatchedAdapterModules(adapter:base:modules:)``);
/// an update whose shape is not the base weight's (incompatible; a note outside the ``TensorSelection``,
/// which leaves the module out); a `target_modules` entry that
/// names no module of the base (warning); and a note with the rank, alpha, scale, rsLoRA and
/// `rank_pattern` / `alpha_pattern` overrides, and the base the adapter names.
enum AdapterComparison {
    /// The findings of `adapter` against `base`, the shapes judged for the weights in `selection`.
    static func compare(base: Checkpoint, adapter: LoRAAdapter, selection: TensorSelection = .all) throws -> [CompatibilityFinding] {
        let file = adapter.file.displayPath, configFile = adapter.directory.appendingPathComponent("adapter_config.json").relativePath
        let baseNames = Set(base.tensors.map(\.name))
        let (mapping, matches) = try PrefixMapping.best(base: baseNames, model: adapter.modules.map(\.weightName), modelLabel: adapter.directory.relativePath)
        var findings = [CompatibilityFinding]()
        guard matches > 0 else {
            return [CompatibilityFinding(.incompatible, .adapter, key: "target_modules", file: file,
                message: "none of the \(adapter.modules.count) adapted modules (e.g. \(adapter.modules.first?.name ?? "none")) is a weight of the base \(base.displayPath)")]
        }
        var unmatched = [String]()
        for module in adapter.modules {
            guard let name = mapping.baseName(forModel: module.weightName), let info = base.info(name) else { unmatched.append(module.weightName); continue }
            if info.shape != module.weightShape {
                let selected = selection.contains(name)
                findings.append(CompatibilityFinding(selected ? .incompatible : .note, .adapter, key: name, base: "\(info.shape)", model: "\(module.weightShape)", file: file,
                    message: "the update of \(CheckpointError.quoted(name)) has shape \(module.weightShape) but the base weight has \(info.shape)"
                        + (selected ? "" : "; outside the selection \(selection.options), it is left out")))
            }
        }
        if !unmatched.isEmpty {
            findings.append(CompatibilityFinding(.incompatible, .adapter, key: unmatched[0], file: file,
                message: CheckpointError.unmatchedModules(base: base.displayPath, modules: unmatched)))
        }
        let baseModules = baseNames.filter { $0.hasSuffix(".weight") }.map { String($0.dropLast(".weight".count)) }
        let config = adapter.config
        let absent = config.targetModules == ["all-linear"] ? [] : config.targetModules.count == 1 && !config.targetModules[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
            ? (baseModules.contains { LoRAConfig.patternKey([config.targetModules[0]], matching: $0) != nil } ? [] : config.targetModules)
            : config.targetModules.filter { target in !baseModules.contains { $0 == target || $0.hasSuffix("." + target) } }
        if !absent.isEmpty {
            findings.append(CompatibilityFinding(.warning, .adapter, key: "target_modules", file: configFile,
                message: "target_modules \(absent.map(CheckpointError.quoted).joined(separator: ", ")) name no module of the base"))
        }
        let overrides = config.rankPattern.count + config.alphaPattern.count
        let scale = String(format: "%g", Double(config.defaultScale))
        findings.append(CompatibilityFinding(.note, .adapter, key: "r", model: "r=\(config.r),lora_alpha=\(String(format: "%g", config.loraAlpha))", file: configFile,
            message: "LoRA r \(config.r), lora_alpha \(String(format: "%g", config.loraAlpha)), scale \(scale) (lora_alpha/\(config.useRSLoRA ? "√r, rsLoRA" : "r"))"
                + (overrides > 0 ? ", \(overrides) rank/alpha pattern override(s)" : "") + ", \(adapter.modules.count) adapted modules"
                + (config.baseModel.map { ", trained on \($0)" } ?? "")))
        return findings
    }
}
