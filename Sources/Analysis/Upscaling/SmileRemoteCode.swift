/// The modeling file ``UpscaleLayout/hf`` writes next to the weights, so that plain transformers
/// loads the output with `AutoModel…from_pretrained(DIR, trust_remote_code=True)` — no fusion_bench.
///
/// `modeling_smile.py` (Python text written by smile-inspect, never run by it) defines, for one
/// ``HFArchitecture`` with stem C:
///
/// - `SmileCConfig(CConfig)`: `model_type` `smile_<type>`, with `num_local_experts`, `num_experts_per_tok`,
///   `rank_of_router`, `rank_of_expert` (the fields FusionBench's classes read) and ``moduleRanksField``
///   (per-module ranks, absent when every module has the two above);
/// - `SmileCModel(CModel)` and, for decoders, `SmileCForCausalLM(CForCausalLM)`: the stock classes, built as
///   transformers builds them (embeddings, norms, rotary `inv_freq` buffers and their initialisation are
///   the stock code's), after which every `nn.Linear` named `{layerList}.{l}.{projection}` is swapped for a
///   `SmileLinear` of the same shape, dtype and device, whose ranks are its entry in `smile_module_ranks`
///   (keyed by the name inside the bare model, the first group of ``modulePattern(_:)``) or the two
///   config fields;
/// - `SmileLinear`: tensors `gate.weight` [E·g, in], `shared_linear.weight/.bias`, `experts.{i}.u` [out, k],
///   `experts.{i}.svh` [k, in], `experts.{i}.bias` — the names of ``FusionBenchHFLayout`` — computing
///
///       logitsᵢ(x) = ‖gate.weight[i·g:(i+1)·g] x‖₂,  p = softmax(logits),  top num_experts_per_tok, renormalised to w,
///       y = shared_linear(x) + Σ_{i kept} wᵢ (uᵢ (svhᵢ x) + biasᵢ)
///
///   with FusionBench's `SmileLinear` operations in its order (softmax, `torch.topk`, renormalise; one
///   expert gets weight 1 when E = 1), so both give the same logits.
///
/// If the swap does not find num_hidden_layers × projections modules (a transformers version that
/// renamed them) loading fails with that count rather than silently running the stock model.
public enum SmileRemoteCode {
    /// The file name, and the module named in `auto_map`.
    public static let fileName = "modeling_smile.py"

    /// The `config.json` field of per-module ranks: {bare module name: [rank_of_expert, rank_of_router]}.
    public static let moduleRanksField = "smile_module_ranks"

    /// `auto_map` for `config.json`: `AutoConfig`, `AutoModel` and, for decoders, `AutoModelForCausalLM`.
    public static func autoMap(_ architecture: HFArchitecture) -> [String: String] {
        let module = String(fileName.dropLast(3))
        var map = ["AutoConfig": "\(module).\(architecture.smileConfigClass)", "AutoModel": "\(module).\(architecture.smileBaseClass)"]
        if architecture.isDecoder { map["AutoModelForCausalLM"] = "\(module).\(architecture.smileClass)" }
        return map
    }

    /// The regular expression (Python `re` syntax) a module's qualified name fully matches when it is
    /// swapped; its first group is the name inside the bare model (`layers.0.self_attn.q_proj` in
    /// `model.layers.0.self_attn.q_proj`), the key of ``moduleRanksField``.
    public static func modulePattern(_ architecture: HFArchitecture) -> String {
        let escape = { (text: String) in text.replacingOccurrences(of: ".", with: "\\.") }
        return "(?:.*\\.)?(\(escape(architecture.layerList))\\.\\d+\\.(?:\(architecture.projections.map(escape).joined(separator: "|"))))"
    }

    /// The Python source of `modeling_smile.py` for `architecture`.
    public static func python(_ architecture: HFArchitecture) -> String {
        let c = architecture.className
        let stock = ["\(c)Config", "\(c)Model"] + (architecture.isDecoder ? ["\(c)ForCausalLM"] : [])
        let loader = architecture.isDecoder ? "AutoModelForCausalLM" : "AutoModel"
        var classes = """


            class \(architecture.smileConfigClass)(\(c)Config):
                \"\"\"\(c)Config with the SMILE fields; model_type \(architecture.smileModelType).\"\"\"

                model_type = "\(architecture.smileModelType)"

                def __init__(self, num_local_experts=1, num_experts_per_tok=1, rank_of_router=1, rank_of_expert=1, \(moduleRanksField)=None, **kwargs):
                    self.num_local_experts = num_local_experts
                    self.num_experts_per_tok = num_experts_per_tok
                    self.rank_of_router = rank_of_router
                    self.rank_of_expert = rank_of_expert
                    self.\(moduleRanksField) = \(moduleRanksField)
                    super().__init__(**kwargs)


            class \(architecture.smileBaseClass)(\(c)Model):
                \"\"\"The stock \(c)Model with its projections upscaled.\"\"\"

                config_class = \(architecture.smileConfigClass)

                def __init__(self, config, *args, **kwargs):
                    super().__init__(config, *args, **kwargs)
                    smile_upscale(self, config)

            """
        if architecture.isDecoder {
            classes += """


                class \(architecture.smileClass)(\(c)ForCausalLM):
                    \"\"\"The stock \(c)ForCausalLM with its projections upscaled.\"\"\"

                    config_class = \(architecture.smileConfigClass)

                    def __init__(self, config, *args, **kwargs):
                        super().__init__(config, *args, **kwargs)
                        smile_upscale(self, config)

                """
        }
        return """
            # Written by smile-inspect (`upscale --layout hf`). Load the directory with
            #     transformers.\(loader).from_pretrained(DIR, trust_remote_code=True)
            \"\"\"SMILE sparse mixture of low-rank experts on the stock transformers \(c) classes.

            Every projection of every layer (module names matching SMILE_MODULES) is a SmileLinear:

                logits_i(x) = ||gate.weight[i*g:(i+1)*g] x||_2            g = config.rank_of_router
                p = softmax(logits); keep the config.num_experts_per_tok largest, renormalised to w
                y = shared_linear(x) + sum_{i kept} w_i * (experts.i.u @ (experts.i.svh @ x) + experts.i.bias)

            with config.num_local_experts experts of rank k = config.rank_of_expert: u = beta U_i[:, :k],
            svh = diag(S_i[:k]) V_i[:, :k]^T of R_i = W_i - shared_linear.weight, bias = beta (b_i - shared_linear.bias),
            gate rows V_i[:, :g]^T of the update W_i - W_pre (smile_config.json: shared_path, expert_scale beta).
            The tensor names are those of FusionBench's SmileLinear. Everything else is the stock model.
            A module listed in config.\(moduleRanksField) ({name inside the bare model: [k, g]}) has its own
            k and g (a --budget plan); the others use config.rank_of_expert and config.rank_of_router.
            \"\"\"
            import re

            import torch
            import torch.nn.functional as F
            from torch import nn
            from transformers import \(stock.joined(separator: ", "))

            SMILE_MODULES = re.compile(r"\(modulePattern(architecture))")
            SMILE_PROJECTIONS_PER_LAYER = \(architecture.projections.count)


            class SmileGate(nn.Module):
                \"\"\"Router logits: the norm of x projected on each expert's top rank right singular vectors.\"\"\"

                def __init__(self, in_features, num_experts, rank, dtype=None, device=None):
                    super().__init__()
                    self.num_experts = num_experts
                    self.rank = rank
                    self.weight = nn.Parameter(torch.zeros(num_experts * rank, in_features, dtype=dtype, device=device))

                def forward(self, x):
                    return F.linear(x, self.weight).view(x.shape[0], self.num_experts, self.rank).norm(p=2, dim=-1)


            class SmileExpert(nn.Module):
                \"\"\"One low-rank expert: u @ (svh @ x) + bias.\"\"\"

                def __init__(self, in_features, out_features, rank, bias, dtype=None, device=None):
                    super().__init__()
                    self.u = nn.Parameter(torch.zeros(out_features, rank, dtype=dtype, device=device))
                    self.svh = nn.Parameter(torch.zeros(rank, in_features, dtype=dtype, device=device))
                    if bias:
                        self.bias = nn.Parameter(torch.zeros(out_features, dtype=dtype, device=device))
                    else:
                        self.register_parameter("bias", None)

                def forward(self, x):
                    return F.linear(F.linear(x, self.svh), self.u, self.bias)


            class SmileLinear(nn.Module):
                \"\"\"The pretrained linear layer plus a routed mixture of low-rank experts (see the module docstring).\"\"\"

                def __init__(self, config, linear, rank_of_expert=None, rank_of_router=None):
                    super().__init__()
                    self.in_features = linear.in_features
                    self.out_features = linear.out_features
                    self.num_local_experts = config.num_local_experts
                    self.num_experts_per_tok = config.num_experts_per_tok
                    self.rank_of_router = config.rank_of_router if rank_of_router is None else rank_of_router
                    self.rank_of_expert = config.rank_of_expert if rank_of_expert is None else rank_of_expert
                    factory = {"dtype": linear.weight.dtype, "device": linear.weight.device}
                    bias = linear.bias is not None
                    self.gate = SmileGate(self.in_features, self.num_local_experts, self.rank_of_router, **factory)
                    self.shared_linear = nn.Linear(self.in_features, self.out_features, bias=bias, **factory)
                    self.experts = nn.ModuleList(
                        SmileExpert(self.in_features, self.out_features, self.rank_of_expert, bias, **factory) for _ in range(self.num_local_experts)
                    )

                @property
                def weight(self):
                    return self.shared_linear.weight

                @property
                def bias(self):
                    return self.shared_linear.bias

                def forward(self, hidden_states):
                    shared = self.shared_linear(hidden_states)
                    x = hidden_states.reshape(-1, self.in_features)
                    if self.num_local_experts == 1:
                        weights = torch.ones(x.shape[0], 1, dtype=x.dtype, device=x.device)
                        chosen = torch.zeros(x.shape[0], 1, dtype=torch.long, device=x.device)
                    else:
                        probabilities = F.softmax(self.gate(x), dim=1)
                        weights, chosen = torch.topk(probabilities, self.num_experts_per_tok, dim=-1)
                        weights = weights / weights.sum(dim=-1, keepdim=True)
                    mixed = torch.zeros(x.shape[0], self.out_features, dtype=x.dtype, device=x.device)
                    for i, expert in enumerate(self.experts):
                        rows, slot = torch.where(chosen == i)
                        if rows.numel() == 0:
                            continue
                        mixed.index_add_(0, rows, (expert(x[rows]) * weights[rows, slot, None]).to(x.dtype))
                    return shared + mixed.view(*hidden_states.shape[:-1], self.out_features)

                def extra_repr(self):
                    return (f"in_features={self.in_features}, out_features={self.out_features}, num_local_experts={self.num_local_experts}, "
                            f"num_experts_per_tok={self.num_experts_per_tok}, rank_of_router={self.rank_of_router}, rank_of_expert={self.rank_of_expert}")


            def smile_upscale(model, config):
                \"\"\"Swaps every nn.Linear whose name matches SMILE_MODULES for a SmileLinear of its shape, dtype and device,
                at its ranks in config.\(moduleRanksField) (keyed by the name inside the bare model) or the config's two.\"\"\"
                names = [name for name, module in model.named_modules() if isinstance(module, nn.Linear) and SMILE_MODULES.fullmatch(name)]
                expected = config.num_hidden_layers * SMILE_PROJECTIONS_PER_LAYER
                if len(names) != expected:
                    raise ValueError(f"modeling_smile.py: found {len(names)} of the {expected} projections it upscales "
                                     f"(pattern {SMILE_MODULES.pattern}); this transformers version names the \(c) modules differently")
                module_ranks = getattr(config, "\(moduleRanksField)", None) or {}
                for name in names:
                    rank_of_expert, rank_of_router = module_ranks.get(SMILE_MODULES.fullmatch(name).group(1), (None, None))
                    parent, _, child = name.rpartition(".")
                    owner = model.get_submodule(parent)
                    setattr(owner, child, SmileLinear(config, getattr(owner, child), rank_of_expert, rank_of_router))
            """ + "\n" + classes
    }
}
