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
/// With `smile_routing` `sequence` in `config.json` (``RoutingGranularity/sequence``; encoders), `SmileCModel.forward`
/// captures the attention mask (keyword or positional, as the stock signature takes it) into a
/// `SmileSequenceRouting` state shared by that model's `SmileLinear`s for the duration of the call, and each
/// `SmileLinear` routes every token of a sequence to the argmax of the evidence accumulated so far (the rule of
/// ``RoutingGranularity``; same-input groups from ``HFArchitecture/sameInputProjections``). Every `SmileLinear`
/// exposes `last_routes`, the top-1 expert of every position of its last call (shape `hidden_states.shape[:-1]`;
/// in sequence mode each sequence's expert, repeated), for measurement.
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
        // Encoders: the routing state (sequence routing) and the forward that captures the attention mask.
        let routedForward = """

                    self.smile_routing_state = smile_routing(self, config)

                @functools.wraps(\(c)Model.forward)
                def forward(self, *args, **kwargs):
                    return smile_routed_forward(self, super().forward, *args, **kwargs)

            """
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
            """ + (architecture.isDecoder ? "\n" : routedForward)
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

            Routing (config.smile_routing): "token" (the default, above: every token on its own, FusionBench's rule) or
            "sequence" (encoders): the model's forward captures its attention mask, and for every sequence s of the call
            each SmileLinear, when it runs, adds evidence e_i += mean over s's real tokens t (mask 1; no mask: every
            position) of logits_i(x_t); modules reading the same input (SMILE_SAME_INPUT: one layer's query, key and
            value) add theirs together before the first of them routes; every token of s then goes to argmax_i e_i
            (ties to the lowest index) with weight 1. The evidence starts at zero with every forward call; a sequence's
            route depends neither on the other sequences of the batch nor on padding.

            SmileLinear.last_routes: the top-1 expert of every position in its last call (shape hidden_states.shape[:-1];
            with sequence routing each sequence's expert, repeated), for measurement.
            \"\"\"
            import functools
            import inspect
            import re

            import torch
            import torch.nn.functional as F
            from torch import nn
            from transformers import \(stock.joined(separator: ", "))

            SMILE_MODULES = re.compile(r"\(modulePattern(architecture))")
            SMILE_PROJECTIONS_PER_LAYER = \(architecture.projections.count)
            SMILE_SAME_INPUT = (\(architecture.sameInputProjections.map { "(" + $0.map { "\"\($0)\"" }.joined(separator: ", ") + ")" }.joined(separator: ", ")),)


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


            class SmileSequenceRouting:
                \"\"\"Sequence routing state shared by one model's SmileLinears during one forward call.

                mask: the call's attention mask [batch, seq] (None: every position real); evidence: [batch, experts]
                accumulated so far (float32); seen: the same-input groups that added theirs; groups: group -> SmileLinears.\"\"\"

                def __init__(self):
                    self.groups = {}
                    self.end()

                def begin(self, mask):
                    self.mask, self.evidence, self.seen, self.active = mask, None, set(), True

                def end(self):
                    self.mask, self.evidence, self.seen, self.active = None, None, set(), False


            class SmileLinear(nn.Module):
                \"\"\"The pretrained linear layer plus a routed mixture of low-rank experts (see the module docstring).\"\"\"

                routing = "token"
                routing_state = None
                routing_group = None
                last_routes = None

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
                    if self.routing == "sequence":
                        return self.forward_sequence(hidden_states)
                    shared = self.shared_linear(hidden_states)
                    x = hidden_states.reshape(-1, self.in_features)
                    if self.num_local_experts == 1:
                        weights = torch.ones(x.shape[0], 1, dtype=x.dtype, device=x.device)
                        chosen = torch.zeros(x.shape[0], 1, dtype=torch.long, device=x.device)
                    else:
                        probabilities = F.softmax(self.gate(x), dim=1)
                        weights, chosen = torch.topk(probabilities, self.num_experts_per_tok, dim=-1)
                        weights = weights / weights.sum(dim=-1, keepdim=True)
                    self.last_routes = chosen[:, 0].view(hidden_states.shape[:-1])
                    mixed = torch.zeros(x.shape[0], self.out_features, dtype=x.dtype, device=x.device)
                    for i, expert in enumerate(self.experts):
                        rows, slot = torch.where(chosen == i)
                        if rows.numel() == 0:
                            continue
                        mixed.index_add_(0, rows, (expert(x[rows]) * weights[rows, slot, None]).to(x.dtype))
                    return shared + mixed.view(*hidden_states.shape[:-1], self.out_features)

                def routing_evidence(self, hidden_states, real):
                    \"\"\"Mean router logits over each sequence's real positions (real: [..., seq, 1]): [..., experts], float32.\"\"\"
                    logits = self.gate(hidden_states.reshape(-1, self.in_features)).float().view(*hidden_states.shape[:-1], self.num_local_experts)
                    return (logits * real).sum(dim=-2) / real.sum(dim=-2).clamp(min=1)

                def forward_sequence(self, hidden_states):
                    \"\"\"Sequence routing (module docstring). Outside the model's forward a call routes on its own evidence.\"\"\"
                    state = self.routing_state
                    active = state is not None and state.active
                    mask = state.mask if active else None
                    if mask is not None and tuple(mask.shape) != tuple(hidden_states.shape[:-1]):
                        raise ValueError(f"modeling_smile.py: sequence routing needs an attention_mask of shape {tuple(hidden_states.shape[:-1])} "
                                         f"(batch, sequence), got {tuple(mask.shape)}")
                    real = (torch.ones(hidden_states.shape[:-1], device=hidden_states.device) if mask is None else mask.float()).unsqueeze(-1)
                    if not active:
                        evidence = self.routing_evidence(hidden_states, real)
                    else:
                        if self.routing_group not in state.seen:
                            state.seen.add(self.routing_group)
                            for module in state.groups.get(self.routing_group, [self]):
                                added = module.routing_evidence(hidden_states, real)
                                state.evidence = added if state.evidence is None else state.evidence + added
                        evidence = state.evidence
                    chosen = evidence.argmax(dim=-1)
                    self.last_routes = chosen.unsqueeze(-1).expand(hidden_states.shape[:-1])
                    output = self.shared_linear(hidden_states)
                    for i, expert in enumerate(self.experts):
                        rows = chosen == i
                        if rows.any():
                            output[rows] = output[rows] + expert(hidden_states[rows]).to(output.dtype)
                    return output

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


            def smile_routing(model, config):
                \"\"\"Sets config.smile_routing (absent: "token") on the model's SmileLinears; the shared state for "sequence", else None.\"\"\"
                routing = getattr(config, "smile_routing", "token")
                if routing not in ("token", "sequence"):
                    raise ValueError(f"modeling_smile.py: smile_routing must be token or sequence, got {routing!r}")
                if routing == "token":
                    return None
                state = SmileSequenceRouting()
                for name, module in model.named_modules():
                    if isinstance(module, SmileLinear):
                        group = next((name[: -len(projection)] + "|".join(same) for same in SMILE_SAME_INPUT for projection in same
                                      if name.endswith("." + projection)), name)
                        module.routing, module.routing_state, module.routing_group = routing, state, group
                        state.groups.setdefault(group, []).append(module)
                return state


            def smile_routed_forward(model, forward, *args, **kwargs):
                \"\"\"Runs the stock forward with its attention_mask (keyword or positional) held for sequence routing.\"\"\"
                state = model.smile_routing_state
                if state is None:
                    return forward(*args, **kwargs)
                mask = inspect.signature(forward).bind_partial(*args, **kwargs).arguments.get("attention_mask")
                state.begin(mask)
                try:
                    return forward(*args, **kwargs)
                finally:
                    state.end()
            """ + "\n" + classes
    }
}
