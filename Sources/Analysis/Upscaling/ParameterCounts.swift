/// Parameter counts of an upscaled layer or model against the two alternatives it sits between.
///
/// - `base`: the pretrained parameters (one model).
/// - `upscaled`: after SMILE upscaling. Per layer: m·n + m (pretrained, bias when present)
///   + E·g·n (gate) + E·k·(m + n) + E·m (experts, biases when present).
/// - `keepAll`: keeping every fine-tuned model separately, E·base.
/// - `overheadVsBase` = upscaled / base − 1; `fractionOfKeepAll` = upscaled / keepAll.
public struct ParameterCounts: Codable, Sendable, Equatable {
    public var base: Int
    public var upscaled: Int
    public var keepAll: Int
    public var overheadVsBase: Double
    public var fractionOfKeepAll: Double

    /// Counts with the two ratios derived (0 when a denominator is 0).
    public init(base: Int, upscaled: Int, keepAll: Int) {
        self.base = base
        self.upscaled = upscaled
        self.keepAll = keepAll
        overheadVsBase = base > 0 ? Double(upscaled) / Double(base) - 1 : 0
        fractionOfKeepAll = keepAll > 0 ? Double(upscaled) / Double(keepAll) : 0
    }

    /// Element-wise sum, ratios recomputed.
    public static func + (a: ParameterCounts, b: ParameterCounts) -> ParameterCounts {
        ParameterCounts(base: a.base + b.base, upscaled: a.upscaled + b.upscaled, keepAll: a.keepAll + b.keepAll)
    }
}
