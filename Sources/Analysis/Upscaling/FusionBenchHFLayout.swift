import Foundation

/// The whole-model layout of FusionBench's Hugging Face SMILE classes (fusion-bench 0.2.33,
/// `fusion_bench/models/modeling_smile_{llama,mistral,qwen2,gemma2}` and
/// `fusion_bench/models/smile_moe/linear_from_hf_config.py`), so that `Smile…ForCausalLM.from_pretrained(DIR)`
/// loads the output with no missing or unexpected keys.
///
/// **Which layers.** Each of those classes replaces exactly seven `nn.Linear` of every decoder layer
/// `model.layers.{l}` with a `SmileLinear`: `self_attn.{q,k,v,o}_proj` and `mlp.{gate,up,down}_proj`.
/// Everything else (embeddings, norms, `lm_head`) keeps its base name and follows the other-tensor policy
/// (FusionBench copies the pretrained ones: `--others base`).
///
/// **Names** for the module `X` of a projection:
///
/// | name | shape | value |
/// |---|---|---|
/// | `X.gate.weight` | [E·rank_of_router, in] | stacked V_{i,:g}ᵀ |
/// | `X.shared_linear.weight` | [out, in] | W_pre |
/// | `X.shared_linear.bias` | [out] | b_pre (when the projection has a bias) |
/// | `X.experts.{i}.u` | [out, rank_of_expert] | U_{i,:k} |
/// | `X.experts.{i}.svh` | [rank_of_expert, in] | diag(S_{i,:k}) V_{i,:k}ᵀ |
/// | `X.experts.{i}.bias` | [out] | bᵢ − b_pre (when the projection has a bias) |
///
/// **One rank for the model.** `rank_of_expert` and `rank_of_router` are config fields: every expert of
/// every layer has that shape (past an update's numerical rank an expert holds the SVD's numerically zero
/// triplets, as FusionBench's full SVD does, or zeros when the update has fewer triplets) and each must not exceed
/// min(in, out) of any projection (FusionBench raises otherwise).
///
/// **Ranks per module (`--layout hf` only).** When the projections' ranks differ (a `--budget` or
/// `--gate-k auto` plan), `config.json` also holds `smile_module_ranks`: {module name inside the bare model
/// (`encoder.layer.0.attention.self.query`, `layers.0.self_attn.q_proj`): [rank_of_expert, rank_of_router]}
/// for every projection, each module's tensors have its own k and g, and `rank_of_expert` /
/// `rank_of_router` hold the largest (the fallback of a module not listed). A uniform output has no such
/// field and is byte for byte what the one-rank layout writes.
///
/// **Zero updates.** FusionBench's own upscaling leaves a projection whose updates are all zero as the
/// pretrained `nn.Linear` (`ExpertNotTrainedError`), whose keys `X.weight` its `from_pretrained` then
/// reports as unexpected while `X.shared_linear.*` stays randomly initialised. Here such a projection
/// is a full `SmileLinear` with W_pre and b_pre in `shared_linear` and zeros in the gate and experts: the
/// gate's logits are then equal, the chosen expert adds exactly zero, and the output is W_pre x + b_pre,
/// the same as FusionBench's in-memory model.
///
/// **Expert bias.** FusionBench's `upscale_to_smile_linear` stores the fine-tuned bias bᵢ in the expert,
/// so its model computes W_pre x + b_pre + w(ΔWᵢ x + bᵢ) — b_pre counted twice; its module-level
/// `SmileMoELinear` stores bᵢ − b_pre. This layout stores bᵢ − b_pre (the SMILE formula). Llama,
/// Mistral and Gemma2 projections normally have no bias; Qwen2's q/k/v do, and differ from FusionBench's
/// own output by exactly that b_pre.
///
/// **dtype.** Every tensor in the base's dtype, as FusionBench casts the model to the pretrained dtype.
///
/// **`--layout hf`.** The same tensors and config fields, plus `auto_map` in `config.json` and the modeling
/// file ``SmileRemoteCode`` writes, so plain transformers loads the directory (`trust_remote_code=True`);
/// it also accepts BERT encoders (``HFArchitecture/bert``), for which FusionBench has no class.
public struct FusionBenchHFLayout: Sendable {
    /// The base `model_type`s FusionBench has SMILE classes for.
    public static let supportedModelTypes = HFArchitecture.decoders.map(\.modelType)
    /// Side files of the base copied when present.
    public static let sideFiles = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model", "vocab.json", "merges.txt",
                                   "added_tokens.json", "generation_config.json", "chat_template.jinja", "chat_template.json", "vocab.txt"]

    /// The architectures `layout` can express: FusionBench's four decoders, and BERT for ``UpscaleLayout/hf``.
    public static func architectures(for layout: UpscaleLayout) -> [HFArchitecture] {
        layout == .hf ? HFArchitecture.decoders + [HFArchitecture.bert] : HFArchitecture.decoders
    }

    /// The layout written (``UpscaleLayout/fusionBenchHF`` or ``UpscaleLayout/hf``).
    public var layout: UpscaleLayout
    /// The base's architecture.
    public var transformers: HFArchitecture
    /// The base's `model_type`.
    public var modelType: String { transformers.modelType }
    /// The base's directory (holding `config.json`).
    public var baseDirectory: URL
    /// `num_hidden_layers`.
    public var layerCount: Int
    /// The module names `X` (weights `X.weight`) that become SMILE layers, layer by layer.
    public var modules: [String]
    /// What the checkpoint puts before the bare model's module names (`model.`, `bert.`, or nothing).
    public var modulePrefix: String
    /// The base config, numbers as written.
    var baseConfig: JSONValue

    /// Reads the base's `config.json` and checks the base holds every projection the layout replaces.
    ///
    /// - Throws: ``UpscaleError/invalidOption(_:)`` naming the supported architectures, the missing
    ///   config, or the missing tensor.
    public init(family: ModelFamily, layout: UpscaleLayout = .fusionBenchHF) throws {
        self.layout = layout
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: family.basePath.path, isDirectory: &isDirectory)
        baseDirectory = isDirectory.boolValue ? family.basePath : family.basePath.deletingLastPathComponent()
        let configURL = baseDirectory.appendingPathComponent("config.json")
        let candidates = Self.architectures(for: layout)
        let supported = candidates.map(\.modelType).joined(separator: ", ")
        let flag = "--layout \(layout.rawValue)"
        guard let data = FileManager.default.contents(atPath: configURL.path),
              let config = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let parsed = try? StrictJSONParser.parse(Array(data)) else {
            throw UpscaleError.unfitLayout("\(flag) needs the base's config.json (\(configURL.relativePath) is missing or not a JSON object without NaN/Infinity); supported model types: \(supported)")
        }
        guard let type = config["model_type"] as? String, let architecture = HFArchitecture.named(type, among: candidates) else {
            let has = layout == .hf ? "it has SMILE modeling code for" : "FusionBench has SMILE classes for"
            throw UpscaleError.unfitLayout("\(flag) cannot express model_type \"\(config["model_type"].map { "\($0)" } ?? "none")\" (\(configURL.relativePath)); \(has): \(supported)")
        }
        guard let layers = config["num_hidden_layers"] as? Int, layers >= 1 else {
            throw UpscaleError.unfitLayout("\(configURL.relativePath) has no positive num_hidden_layers")
        }
        transformers = architecture
        layerCount = layers
        baseConfig = parsed
        let first = "\(architecture.layerList).0.\(architecture.projections[0]).weight"
        let prefix = architecture.prefixes.first { prefix in family.matched.contains { $0.name == prefix + first } } ?? architecture.prefixes[0]
        modules = architecture.modules(layers: layers, prefix: prefix)
        modulePrefix = prefix
        for module in modules where !family.matched.contains(where: { $0.name == module + ".weight" && $0.shape.count == 2 }) {
            throw UpscaleError.unfitLayout("\(flag): \(module).weight is not a 2-D weight of every model, but \(architecture.smileClass) replaces it (num_hidden_layers \(layers) in \(configURL.relativePath))")
        }
    }

    /// The class named in `architectures`: `Smile{Llama,…}ForCausalLM`, or `SmileBertModel`.
    public var architecture: String { transformers.smileClass }

    /// The ranks one SmileLinear is written with.
    public struct ModuleRanks: Sendable, Equatable {
        /// The module name `X` in the checkpoint.
        public var module: String
        /// rank_of_expert: columns of `X.experts.{i}.u`.
        public var expert: Int
        /// rank_of_router: rows per expert of `X.gate.weight`.
        public var router: Int

        public init(module: String, expert: Int, router: Int) {
            self.module = module
            self.expert = expert
            self.router = router
        }

        /// The ranks of `layer` as built.
        init(module: String, layer: SmileLayer) {
            self.init(module: module, expert: layer.rank, router: layer.gate.gateRank)
        }
    }

    /// The name transformers gives module `X` inside the bare model (`…Model`): `X` without ``modulePrefix``.
    public func bareModuleName(_ module: String) -> String {
        module.hasPrefix(modulePrefix) ? String(module.dropFirst(modulePrefix.count)) : module
    }

    /// `config.json`: the base config (members in its order, numbers as written) with `model_type:
    /// smile_<type>`, `architectures`, `num_local_experts`, `num_experts_per_tok`, `rank_of_router` and
    /// `rank_of_expert`, and for ``UpscaleLayout/hf`` the `auto_map` of ``SmileRemoteCode`` (any base
    /// `auto_map` is dropped) and `smile_routing` (``RoutingGranularity``, read by the modeling file). `ranks` are every module's: when they are all equal the two rank fields
    /// hold them; otherwise (``UpscaleLayout/hf`` only) the fields hold the largest and `smile_module_ranks`
    /// lists every module's [rank_of_expert, rank_of_router] under its bare name, layer by layer in
    /// ``modules`` order.
    public func config(experts: Int, topK: Int, ranks: [ModuleRanks], routing: RoutingGranularity = .token) -> Data {
        precondition(!ranks.isEmpty, "a whole-model layout upscales at least one module")
        let uniform = Set(ranks.map { [$0.expert, $0.router] }).count == 1
        precondition(uniform || layout == .hf, "\(layout.rawValue) has one rank for the model")
        let order = Dictionary(uniqueKeysWithValues: modules.enumerated().map { ($1, $0) })
        let perModule = uniform ? nil : JSONValue.object(ranks.sorted { order[$0.module, default: .max] < order[$1.module, default: .max] }.map {
            JSONMember(key: bareModuleName($0.module), value: .array([.number(String($0.expert)), .number(String($0.router))]))
        })
        let autoMap = SmileRemoteCode.autoMap(transformers).sorted { $0.key < $1.key }.map { JSONMember(key: $0.key, value: .string($0.value)) }
        let config = baseConfig
            .setting("model_type", .string(transformers.smileModelType))
            .setting("architectures", .array([.string(architecture)]))
            .setting("num_local_experts", .number(String(experts)))
            .setting("num_experts_per_tok", .number(String(topK)))
            .setting("rank_of_router", .number(String(ranks.map(\.router).max()!)))
            .setting("rank_of_expert", .number(String(ranks.map(\.expert).max()!)))
            .setting(SmileRemoteCode.moduleRanksField, perModule)
            .setting("auto_map", layout == .hf ? .object(autoMap) : nil)
            .setting("smile_routing", layout == .hf ? .string(routing.rawValue) : nil)
        return Data((config.text() + "\n").utf8)
    }

    /// Writes ``SmileRemoteCode``'s modeling file into `directory` for ``UpscaleLayout/hf``; its name (none otherwise).
    public func writeModelingCode(into directory: URL) throws -> [String] {
        guard layout == .hf else { return [] }
        try AtomicFile.write(data: Data(SmileRemoteCode.python(transformers).utf8), to: directory.appendingPathComponent(SmileRemoteCode.fileName))
        return [SmileRemoteCode.fileName]
    }

    /// Copies the base's tokenizer and generation files present into `directory`; their names.
    public func copySideFiles(into directory: URL) throws -> [String] {
        try StagedDirectory.copyPresent(Self.sideFiles, from: baseDirectory, into: directory)
    }

    /// Every tensor of `layer` under module `X`, in the table's order.
    public static func tensors(module: String, layer: SmileLayer) -> [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = [("\(module).gate.weight", Tensor(layer.gate.weights)), ("\(module).shared_linear.weight", Tensor(layer.pretrained.weight))]
        if let bias = layer.pretrained.bias { out.append(("\(module).shared_linear.bias", Tensor(shape: [bias.count], values: bias))) }
        for (i, expert) in layer.experts.enumerated() {
            out.append(("\(module).experts.\(i).u", Tensor(expert.u)))
            out.append(("\(module).experts.\(i).svh", Tensor(expert.svh)))
            if let bias = expert.bias { out.append(("\(module).experts.\(i).bias", Tensor(shape: [bias.count], values: bias))) }
        }
        return out
    }

    /// The layer a zero update becomes: W_pre, b_pre, a zero gate of rank g, zero experts of rank k (zero biases).
    public static func inertLayer(base: PlainLinear, experts: Int, rank k: Int, gateRank g: Int, topK: Int) -> SmileLayer {
        let (m, n) = (base.outFeatures, base.inFeatures)
        let zeros = (0..<experts).map { _ in SmileExpert(u: MatrixF(zeros: m, k), svh: MatrixF(zeros: k, n), bias: base.bias.map { _ in [Float](repeating: 0, count: m) }) }
        return SmileLayer(pretrained: base, gate: SmileGate(weights: MatrixF(zeros: experts * g, n), expertCount: experts), experts: zeros, topK: topK)
    }
}
