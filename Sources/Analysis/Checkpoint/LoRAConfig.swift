import Foundation

/// The parts of a PEFT `adapter_config.json` that determine a LoRA update ΔW = scale · B·A.
///
/// Per module, the rank and alpha come from `rank_pattern` / `alpha_pattern` when one of their keys
/// matches the module name, else from `r` / `lora_alpha`. Matching mirrors PEFT's `get_pattern_key`:
/// key `k` matches module `m` when the regular expression `(.*\.)?(k)$` matches `m` from its start, i.e.
/// `k` (a regex) matches a dot-separated suffix of `m`; the first matching key in the file's order wins.
/// The scale is alpha / r, or alpha / √r when `use_rslora` is true.
///
/// Pattern keys must be valid regexes within ``PatternKeyBudget`` (no repeated groups, few quantifiers),
/// so that matching cannot hang on a hostile config.
///
/// Refused: `peft_type` other than `"LORA"`, and `use_dora: true` (DoRA rescales columns of W_pre + ΔW,
/// so the update is not low rank) — both as ``CheckpointError/unsupportedAdapter(path:reason:)``.
public struct LoRAConfig: Sendable, Equatable {
    /// A `rank_pattern` entry: modules matching `pattern` have rank `rank`.
    public struct RankOverride: Sendable, Equatable {
        /// The module-name regex, as written in the config.
        public let pattern: String
        /// The rank for matching modules.
        public let rank: Int
    }

    /// An `alpha_pattern` entry: modules matching `pattern` have alpha `alpha`.
    public struct AlphaOverride: Sendable, Equatable {
        /// The module-name regex, as written in the config.
        public let pattern: String
        /// The alpha for matching modules.
        public let alpha: Double
    }

    /// `r`: the default rank.
    public let r: Int
    /// `lora_alpha`: the default alpha.
    public let loraAlpha: Double
    /// `use_rslora`: scale by alpha/√r instead of alpha/r.
    public let useRSLoRA: Bool
    /// `fan_in_fan_out`: the target weights are stored in×out (GPT-2 `Conv1D`), so ΔW = scale·(B·A)ᵀ.
    public let fanInFanOut: Bool
    /// `rank_pattern`, in file order.
    public let rankPattern: [RankOverride]
    /// `alpha_pattern`, in file order.
    public let alphaPattern: [AlphaOverride]
    /// `target_modules` as written: a list of names, or a single regex string; empty when null.
    public let targetModules: [String]
    /// `base_model_name_or_path`, when present.
    public let baseModel: String?

    /// Parses `adapter_config.json` at `url`; `adapter` is the adapter's path for unsupported-adapter
    /// messages.
    public init(url: URL, adapter: String) throws {
        let path = url.relativePath
        func invalid(_ reason: String) -> CheckpointError { .invalidAdapterConfig(file: path, reason: reason) }
        let root = try JSONFile.read(url, invalid: invalid)
        guard root.members != nil else { throw invalid("not a JSON object") }
        func flag(_ key: String) throws -> Bool {
            guard let value = root[key], value != .null else { return false }
            guard let flag = value.bool else { throw invalid("\"\(key)\" is \(value.summary), not a boolean") }
            return flag
        }
        guard let peftType = root["peft_type"]?.string else { throw invalid("missing \"peft_type\"") }
        guard peftType == "LORA" else {
            throw CheckpointError.unsupportedAdapter(
                path: adapter, reason: "peft_type \(CheckpointError.quoted(peftType)) is not LORA; only LoRA adapters are supported")
        }
        if try flag("use_dora") { throw CheckpointError.unsupportedAdapter(path: adapter, reason: "DoRA adapters are not supported") }
        guard let r = root["r"]?.integer, r > 0 else { throw invalid("\"r\" must be a positive integer, found \(root["r"]?.summary ?? "nothing")") }
        guard let alpha = root["lora_alpha"]?.double else {
            throw invalid("\"lora_alpha\" must be a number, found \(root["lora_alpha"]?.summary ?? "nothing")")
        }
        self.r = r
        self.loraAlpha = alpha
        self.useRSLoRA = try flag("use_rslora")
        self.fanInFanOut = try flag("fan_in_fan_out")
        self.rankPattern = try Self.patterns(root["rank_pattern"], name: "rank_pattern", invalid: invalid) { value in
            value.integer.flatMap { $0 > 0 ? $0 : nil }
        }.map { RankOverride(pattern: $0.0, rank: $0.1) }
        self.alphaPattern = try Self.patterns(root["alpha_pattern"], name: "alpha_pattern", invalid: invalid) { $0.double }
            .map { AlphaOverride(pattern: $0.0, alpha: $0.1) }
        switch root["target_modules"] {
        case let .array(names)?: targetModules = names.compactMap(\.string)
        case let .string(pattern)?: targetModules = [pattern]
        default: targetModules = []
        }
        baseModel = root["base_model_name_or_path"]?.string
    }

    /// The rank of `module` (a module name such as `encoder.layer.0.attention.self.query`).
    public func rank(for module: String) -> Int {
        Self.patternKey(rankPattern.map(\.pattern), matching: module).flatMap { key in rankPattern.first { $0.pattern == key }?.rank } ?? r
    }

    /// The alpha of `module`.
    public func alpha(for module: String) -> Double {
        Self.patternKey(alphaPattern.map(\.pattern), matching: module).flatMap { key in alphaPattern.first { $0.pattern == key }?.alpha } ?? loraAlpha
    }

    /// The scale of a module no pattern matches: `lora_alpha / r`, or `lora_alpha / √r` with rsLoRA.
    public var defaultScale: Float {
        Float(loraAlpha / (useRSLoRA ? Double(r).squareRoot() : Double(r)))
    }

    /// The scale of `module`'s update: alpha/r, or alpha/√r with rsLoRA.
    public func scale(for module: String) -> Float {
        let rank = Double(rank(for: module))
        return Float(alpha(for: module) / (useRSLoRA ? rank.squareRoot() : rank))
    }

    /// PEFT's `get_pattern_key`: the first of `keys` whose regex matches a dot-separated suffix of
    /// `module` (`re.match(rf"(.*\.)?({key})$", module)`), or nil. Keys that are not valid regexes never
    /// match (``init(url:adapter:)`` rejects them).
    public static func patternKey(_ keys: [String], matching module: String) -> String? {
        keys.first { key in
            guard let regex = try? Regex("(.*\\.)?(\(key))") else { return false }
            return module.wholeMatch(of: regex) != nil
        }
    }

    /// The members of a pattern map (`null` or absent: none), each value converted by `convert`.
    private static func patterns<Value>(
        _ value: JSONValue?, name: String, invalid: (String) -> CheckpointError, convert: (JSONValue) -> Value?
    ) throws -> [(String, Value)] {
        guard let value, value != .null else { return [] }
        guard let members = value.members else { throw invalid("\"\(name)\" is \(value.summary), not an object") }
        return try members.map { member in
            guard (try? Regex("(.*\\.)?(\(member.key))")) != nil else {
                throw invalid("\"\(name)\" key \(CheckpointError.quoted(member.key)) is not a valid regular expression")
            }
            if let problem = PatternKeyBudget.problem(with: member.key) {
                throw invalid("\"\(name)\" key \(CheckpointError.quoted(member.key)) \(problem)")
            }
            guard let converted = convert(member.value) else {
                throw invalid("\"\(name)\" value \(member.value.summary) for \(CheckpointError.quoted(member.key)) is not valid")
            }
            return (member.key, converted)
        }
    }
}
