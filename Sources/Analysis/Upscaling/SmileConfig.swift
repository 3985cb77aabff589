import Foundation

/// `smile_config.json`: what an upscaled directory holds and how it was built, enough to rebuild every
/// layer from the tensors (names in ``SmileStateDict``) and to reproduce the run.
///
/// Written with snake_case keys (`gate_k`, `top_k`, `plain_linear`, …), sorted, pretty printed; read it
/// back with ``decode(_:)``.
public struct SmileConfig: Codable, Sendable, Equatable {
    /// The value of ``format``.
    public static let formatName = "smile-moe-linear"
    /// The file name inside the output directory.
    public static let fileName = "smile_config.json"

    /// One expert: its position (the `{i}` of `experts.{i}`), task name, source and storage kind.
    public struct Expert: Codable, Sendable, Equatable {
        public var index: Int
        public var task: String
        public var path: String
        /// `full` or `lora`.
        public var kind: String
    }

    /// How the tensors outside upscaled layers were chosen.
    public struct OtherTensors: Codable, Sendable, Equatable {
        /// `average`, `base` or `model` (see ``OtherTensorPolicy``).
        public var policy: String
        /// The task name for policy `model`.
        public var model: String?
        /// How many tensors followed the policy.
        public var count: Int
        /// Tensors copied from the base whatever the policy (integer tensors, tensors a model lacks).
        public var fromBase: [String]
    }

    /// The routing-accuracy probe settings (see ``RoutingAccuracy``).
    public struct Probe: Codable, Sendable, Equatable {
        public var samples: Int
        public var probeRank: Int?
        public var seed: UInt64
    }

    /// Always ``formatName``.
    public var format: String
    /// 1.
    public var formatVersion: Int
    /// The tensor naming, as a pattern.
    public var stateDict: String
    /// The base checkpoint's path.
    public var base: String
    /// The experts, in order.
    public var experts: [Expert]
    /// The requested k (the cap when ``rankForEnergy`` is set; nil: no cap).
    public var kRequested: Int?
    /// The energy fraction picking k per layer, when used.
    public var rankForEnergy: Double?
    /// gate_k as requested (per-layer values in ``modules``).
    public var gateK: Int
    /// top_k.
    public var topK: Int
    /// The `include` / `exclude` patterns.
    public var include: String?
    public var exclude: String?
    /// Every upscaled layer, in checkpoint order, with its k, parameters and routing accuracy.
    public var modules: [UpscaledLayer]
    /// Linear layers kept plain because every update is zero (FusionBench skips them the same way).
    public var plainLinear: [String]
    /// How the other tensors were chosen.
    public var otherTensors: OtherTensors
    /// Whole-model parameter counts.
    public var parameters: ParameterCounts
    /// Probe settings.
    public var routingProbe: Probe
    /// The safetensors files written (one, or the shards in order).
    public var files: [String]
    /// Facts about the inputs (prefix remapping, ignored tensors).
    public var notes: [String]
    /// The tensor layout, ``UpscaleLayout`` raw value (nil in files from before layouts).
    public var layout: String?
    /// The `--budget` plan: per-layer k, energy kept, cost, and the uniform-k comparison.
    public var budget: RankBudgetPlan?
    /// The `--gate-k auto` routing target (nil: fixed gate_k).
    public var routingTarget: Double?
    /// What the user should know before using the output (``SmileUpscaler/costWarnings(_:)``); nil when
    /// nothing to say.
    public var warnings: [String]? = nil
    /// What the shared path carries, ``SharedPath/argument`` (`pretrained`, `merged`, `merged:λ`,
    /// `iso-c:c`, `tsv:α`; nil in files from before the option: `pretrained`).
    public var sharedPath: String?
    /// Whether each layer's gate rank is its k (`--gate-k k`; nil in older files: no).
    public var gateKTiedToK: Bool?
    /// Whether router blocks were balanced (``SmileGate/balanced(weight:)``; nil in older files: no).
    public var balancedRouter: Bool?
    /// The shared path's coefficient when every layer shares it: 0 (`pretrained`), λ (`merged:λ`), c
    /// (`iso-c:c`) or α (`tsv:α`); nil with per-layer λ* (each layer's ``UpscaledLayer/sharedLambda``) and in older files.
    public var sharedCoefficient: Double? = nil
    /// β, the factor folded into every expert's u and bias (y = shared(x) + β Σ pᵢ expertᵢ(x)); nil in
    /// files from before the option: 1.
    public var expertScale: Double? = nil
    /// `--max-flatness F` (nil: not given, every layer with an update upscaled).
    public var maxFlatness: Double? = nil
    /// The layers written as a plain linear holding the shared path alone because their flatness is above
    /// ``maxFlatness`` (nil without the option). In whole-model layouts they are inert `SmileLinear`s
    /// (shared weight, zero router and experts) and also appear in ``modules``.
    public var sharedOnly: [SharedOnlyLayer]? = nil
    /// ``RoutingGranularity`` raw value, `token` or `sequence` (nil in files from before the option: `token`).
    public var routing: String? = nil

    /// The JSON bytes as written to ``fileName``.
    public func encoded() throws -> Data { try Self.snakeCaseJSON(self) }

    /// Snake-case keys, sorted, pretty printed, with a final newline.
    static func snakeCaseJSON<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Reads a ``fileName`` written by ``encoded()``.
    public static func decode(_ data: Data) throws -> SmileConfig {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(SmileConfig.self, from: data)
    }
}

/// A layer `upscale --max-flatness` left as its shared path alone, and why.
public struct SharedOnlyLayer: Codable, Sendable, Equatable {
    /// The module name `X`: `X.weight` (and `X.bias`) hold the shared path.
    public var module: String
    /// The layer's ``SpectralFlatness`` φ.
    public var flatness: Double
    /// Why, in words (φ against the limit).
    public var reason: String
}

/// One upscaled layer as recorded in ``SmileConfig/modules`` and ``UpscaleReport``.
public struct UpscaledLayer: Codable, Sendable, Equatable {
    /// The module name `X` (weight `X.weight`).
    public var module: String
    public var inFeatures: Int
    public var outFeatures: Int
    /// Whether the layer has a bias (then experts carry bᵢ − b_pre).
    public var bias: Bool
    /// The experts' rank.
    public var k: Int
    /// The gate rows per expert, min(gate_k, min(m, n)).
    public var gateK: Int
    /// Each update's numerical rank.
    public var updateRanks: [Int]
    /// Each expert's share of ‖ΔWᵢ‖²_F kept, Σ_{j≤k} σⱼ² / Σ σⱼ².
    public var energyKept: [Double]
    /// Each expert's σ_{i,k+1}: the largest error ‖(ΔWᵢ − ΔW_{i,k}) x‖ per unit ‖x‖.
    public var truncationError: [Double]
    /// Parameters of this layer: base, upscaled, keeping every model.
    public var parameters: ParameterCounts
    /// Routing accuracy on probes from each expert's kept subspace V_{i,:p}, p = the probe rank option or
    /// k (nil when not measured).
    public var routingAccuracy: RoutingAccuracy?
    /// Routing accuracy on probes from the subspace the router reads, V_{i,:g} (nil when not measured).
    public var routingAccuracyGateSubspace: RoutingAccuracy?
    /// Routing on task and neutral probes for this layer's gate rank and FusionBench's default 1 (nil
    /// when not measured or the layer has no updates).
    public var routing: LayerRouting?
    /// The shared path's coefficient in this layer (λ of `merged`, c of `iso-c`, α of `tsv`;
    /// ``SmileConfig/sharedPath`` says which): `pretrained_model` holds W_pre + λ ΣΔWⱼ or W_pre + c·M
    /// (M of Iso-C or TSV-M) and the experts, ``energyKept`` and ``updateRanks`` refer to the residuals
    /// ΔWᵢ − λ ΣΔWⱼ or ΔWᵢ − c·M (nil or 0:
    /// W_pre and ΔWᵢ, FusionBench's SMILE).
    public var sharedLambda: Double?
    /// The layer's ``SpectralFlatness`` φ, recorded with `--max-flatness` (nil otherwise).
    public var flatness: Double? = nil
}

/// The result of ``SmileUpscaler/upscale(_:to:progress:)``: where the model went and its configuration.
public struct UpscaleReport: Codable, Sendable, Equatable {
    /// The output directory.
    public var output: String
    /// What was written to `smile_config.json`.
    public var config: SmileConfig

    /// The upscaled layers.
    public var layers: [UpscaledLayer] { config.modules }
    /// Whole-model parameter counts: base, upscaled, keeping every model.
    public var parameters: ParameterCounts { config.parameters }

    /// The report as JSON in the keys of `smile_config.json` (snake_case, sorted, pretty printed).
    public func encoded() throws -> Data { try SmileConfig.snakeCaseJSON(self) }
}
