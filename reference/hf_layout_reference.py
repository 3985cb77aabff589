#!/usr/bin/env python3
"""Loads `upscale --layout hf` output with plain transformers (no fusion_bench) and checks its outputs.

For tiny random Llama, Mistral, Qwen2 and Gemma2 families (2 layers, hidden 64, GQA 4/2 heads; three
"fine-tunes" with random rank-6 updates of every projection, Qwen2's q/k/v biases too, and one
projection left unchanged) and a tiny random BERT family (and, with --minilm, the realtasks MiniLM
family: /tmp/realtasks-minilm and /tmp/realtasks-family/full/*):

1. runs `smile-inspect upscale --layout hf --others base` (k 8, gate_k 2, top_k 1 and 2; and `--budget 0.3`
   (MiniLM: `--budget 0.5`) with the command's default ranks: k and gate_k per layer, which config.json lists
   in `smile_module_ranks` and every loaded SmileLinear must have);
2. loads it with `AutoModelForCausalLM` (decoders) / `AutoModel` (BERT) `.from_pretrained(DIR,
   trust_remote_code=True)`: the class must be the directory's own `Smile…`, with 0 missing and 0
   unexpected keys and every projection a SmileLinear; the rotary `inv_freq` buffers must equal the stock
   model's (the FusionBench classes leave them uninitialised under transformers 5);
3. compares its logits (last hidden state for BERT) with an independent float64 evaluation of the
   `--layout smile-moe-linear` output of the same family and settings (stock base model, each projection
   replaced by y = W x + b + Σ_{i∈top-k} wᵢ (uᵢ svhᵢ x + bᵢ), router softmax of ‖gate_i x‖, computed
   densely over all experts): max |diff| / max |logit| ≤ 1e-5;
4. where fusion_bench imports (fusion-bench 0.2.33 needs transformers 4.x), also runs
   `--layout fusionbench-hf` and loads it with FusionBench's `Smile…ForCausalLM`: logits ≤ 1e-5 of ours.

Skips cleanly (prints "skipped: …", exit 0) when torch or transformers is missing. Usage:

    python reference/hf_layout_reference.py --cli .build/debug/smile-inspect [--minilm] [--out FILE.json]

The result goes to reference/hf_layout_result_transformers-<version>.json unless --out says otherwise.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

try:
    import torch
    import transformers
    from safetensors.torch import load_file
except ImportError as error:
    print(f"skipped: {error} (this check needs torch and transformers)")
    sys.exit(0)

from torch import nn

DECODER_PROJECTIONS = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]
BERT_PROJECTIONS = ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense", "intermediate.dense", "output.dense"]
DECODERS = {"llama": ("LlamaConfig", "LlamaForCausalLM", "Llama"), "mistral": ("MistralConfig", "MistralForCausalLM", "Mistral"),
            "qwen2": ("Qwen2Config", "Qwen2ForCausalLM", "Qwen2"), "gemma2": ("Gemma2Config", "Gemma2ForCausalLM", "Gemma2")}
UNCHANGED = {"decoder": "model.layers.1.self_attn.k_proj", "bert": "encoder.layer.1.attention.self.key"}
SETTINGS = [("k8-g2-top1", ["--k", "8", "--gate-k", "2"]), ("k8-g2-top2", ["--k", "8", "--gate-k", "2", "--top-k", "2"]), ("budget0.3", ["--budget", "0.3"])]
MINILM_SETTINGS = [("k16-g4", ["--k", "16", "--gate-k", "4"]), ("budget0.5", ["--budget", "0.5"])]
VOCAB = 96
TOLERANCE = 1e-5


def tiny_model(kind):
    """A random tiny model of `kind` (a DECODERS key or "bert") and its projection names."""
    if kind == "bert":
        config = transformers.BertConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, vocab_size=VOCAB,
                                         max_position_embeddings=64)
        return transformers.BertModel(config).eval(), [f"encoder.layer.{l}.{p}" for l in range(2) for p in BERT_PROJECTIONS]
    config_name, model_name, _ = DECODERS[kind]
    config = getattr(transformers, config_name)(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                                head_dim=16, vocab_size=VOCAB, max_position_embeddings=128, tie_word_embeddings=kind == "gemma2")
    return getattr(transformers, model_name)(config).eval(), [f"model.layers.{l}.{p}" for l in range(2) for p in DECODER_PROJECTIONS]


def make_family(root, kind, experts=3, rank=6, seed=0):
    """Writes base/ and ft0..ft2/ (save_pretrained, safetensors); returns their paths."""
    torch.manual_seed(seed)
    base, projections = tiny_model(kind)
    paths = [os.path.join(root, kind, "base")]
    base.save_pretrained(paths[0])
    unchanged = UNCHANGED["bert" if kind == "bert" else "decoder"]
    for e in range(experts):
        model = type(base)(base.config).eval()
        model.load_state_dict(base.state_dict())
        with torch.no_grad():
            for name in projections:
                if name == unchanged:
                    continue
                linear = model.get_submodule(name)
                linear.weight += 0.05 * torch.randn(linear.weight.shape[0], rank) @ torch.randn(rank, linear.weight.shape[1]) / linear.weight.shape[1] ** 0.5
                if linear.bias is not None:
                    linear.bias += 0.05 * torch.randn_like(linear.bias)
        paths.append(os.path.join(root, kind, f"ft{e}"))
        model.save_pretrained(paths[-1])
    return paths


def upscale(cli, paths, out, layout, flags):
    command = [cli, "upscale", "--base", paths[0], "--models", *paths[1:], "--out", out, "--layout", layout, "--others", "base", "--quiet", "--json"] + flags
    if layout == "smile-moe-linear":
        command += ["--include", r"layers?\.\d+\."]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {run.stderr.strip()}")
    return json.loads(run.stdout)


class ReferenceSmile(nn.Module):
    """An independent float64 evaluation of one SmileMoELinear layer (dense over the experts)."""

    def __init__(self, tensors, module, top_k):
        super().__init__()
        t = {name[len(module) + 1:]: value.double() for name, value in tensors.items() if name.startswith(module + ".")}
        self.weight, self.bias0 = t["pretrained_model.weight"], t.get("pretrained_model.bias")
        self.gate = t["gate.weights"]
        count = len([k for k in t if k.endswith(".u")])
        self.u = [t[f"experts.{i}.u"] for i in range(count)]
        self.svh = [t[f"experts.{i}.svh"] for i in range(count)]
        self.biases = [t.get(f"experts.{i}.bias") for i in range(count)]
        self.top_k = top_k

    def forward(self, hidden):
        dtype, shape = hidden.dtype, hidden.shape
        x = hidden.reshape(-1, shape[-1]).double()
        y = x @ self.weight.T + (self.bias0 if self.bias0 is not None else 0)
        e = len(self.u)
        scores = (x @ self.gate.T).view(x.shape[0], e, -1).norm(dim=-1)
        p = torch.softmax(scores, dim=-1)
        order = torch.argsort(p, dim=-1, descending=True)[:, : self.top_k]
        mask = torch.zeros_like(p).scatter_(1, order, 1.0)
        w = p * mask / (p * mask).sum(-1, keepdim=True)
        outputs = torch.stack([x @ s.T @ u.T + (b if b is not None else 0) for u, s, b in zip(self.u, self.svh, self.biases)])
        y = y + torch.einsum("te,etm->tm", w, outputs)
        return y.to(dtype).reshape(*shape[:-1], -1)


def reference_model(paths, smile_dir, loader, top_k):
    """The stock base model with every upscaled projection of the smile-moe-linear output replaced by ReferenceSmile."""
    model = loader.from_pretrained(paths[0]).eval()
    tensors = {}
    for name in os.listdir(smile_dir):
        if name.endswith(".safetensors"):
            tensors.update(load_file(os.path.join(smile_dir, name)))
    modules = sorted({name[: -len(".gate.weights")] for name in tensors if name.endswith(".gate.weights")})
    for module in modules:
        parent, _, child = module.rpartition(".")
        setattr(model.get_submodule(parent), child, ReferenceSmile(tensors, module, top_k))
    return model, len(modules)


def inputs(kind, tokenizer_dir=None):
    torch.manual_seed(1)
    if tokenizer_dir is None:
        ids = torch.randint(0, VOCAB, (4, 24))
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    tokenizer = transformers.AutoTokenizer.from_pretrained(tokenizer_dir)
    sentences = ["list directory contents", "copy files and directories", "def main(argv):\n    return 0\n", "a pytest plugin for coverage reports",
                 "SELECT name FROM users WHERE id = 1;", "format a disk partition"]
    return dict(tokenizer(sentences, padding=True, return_tensors="pt"))


def output(model, batch, decoder):
    with torch.no_grad():
        result = model(**batch)
    return (result.logits if decoder else result.last_hidden_state).double()


def relative(a, b):
    return ((a - b).abs().max() / b.abs().max()).item()


def check(cli, root, kind, paths, setting, flags, tokenizer_dir=None):
    decoder = kind in DECODERS
    loader = transformers.AutoModelForCausalLM if decoder else transformers.AutoModel
    out = os.path.join(root, f"{kind}-{setting}-hf")
    upscale(cli, paths, out, "hf", flags)
    with open(os.path.join(out, "config.json")) as f:
        config = json.load(f)
    model, info = loader.from_pretrained(out, trust_remote_code=True, output_loading_info=True)
    model.eval()
    smile_linear = [name for name, module in model.named_modules() if type(module).__name__ == "SmileLinear"]
    # Per-module ranks (a --budget plan): every SmileLinear built at its listed [rank_of_expert, rank_of_router].
    module_ranks = config.get("smile_module_ranks")
    built = {name.removeprefix("model."): [module.rank_of_expert, module.rank_of_router] for name, module in model.named_modules()
             if type(module).__name__ == "SmileLinear"}
    stock = loader.from_pretrained(paths[0]).eval()
    batch = inputs(kind, tokenizer_dir)
    ours, base = output(model, batch, decoder), output(stock, batch, decoder)

    reference_dir = os.path.join(root, f"{kind}-{setting}-moe")
    upscale(cli, paths, reference_dir, "smile-moe-linear", flags)
    reference, replaced = reference_model(paths, reference_dir, loader, config["num_experts_per_tok"])
    expected = output(reference, batch, decoder)
    if "attention_mask" in batch and not decoder:
        mask = batch["attention_mask"].bool()
        ours, base, expected = ours[mask], base[mask], expected[mask]

    result = {
        "architecture": kind, "setting": setting, "flags": flags, "class": type(model).__name__,
        "config": {k: config[k] for k in ["model_type", "architectures", "auto_map", "num_local_experts", "num_experts_per_tok", "rank_of_router", "rank_of_expert"]},
        "missing_keys": sorted(info["missing_keys"]), "unexpected_keys": sorted(info["unexpected_keys"]),
        "smile_linear_modules": len(smile_linear), "expected_modules": config["num_hidden_layers"] * (len(DECODER_PROJECTIONS) if decoder else len(BERT_PROJECTIONS)),
        "module_ranks": None if module_ranks is None else {"modules": len(module_ranks), "distinct": len({tuple(r) for r in module_ranks.values()}),
                                                           "expert_ranks": [min(r[0] for r in module_ranks.values()), max(r[0] for r in module_ranks.values())],
                                                           "built_as_listed": built == module_ranks},
        "reference_upscaled_modules": replaced,
        "relative_difference_to_reference": relative(ours, expected),
        "relative_difference_to_base": relative(ours, base),
    }
    if decoder:
        rotary = dict(model.named_buffers())["model.rotary_emb.inv_freq"]
        result["rotary_inv_freq_equals_stock"] = bool(torch.equal(rotary, dict(stock.named_buffers())["model.rotary_emb.inv_freq"]))
        bare, bare_info = transformers.AutoModel.from_pretrained(out, trust_remote_code=True, output_loading_info=True)
        result["auto_model"] = {"class": type(bare).__name__, "missing_keys": len(bare_info["missing_keys"])}
        # fusionbench-hf has one rank for the model: under a budget it is another model, so it is not compared.
        fusion = None if "--budget" in flags else fusionbench_check(cli, root, kind, paths, setting, flags, batch, ours)
        if fusion:
            result["fusionbench"] = fusion
    ok = (not result["missing_keys"] and not result["unexpected_keys"] and result["class"] == config["architectures"][0]
          and result["smile_linear_modules"] == result["expected_modules"] and result["relative_difference_to_reference"] <= TOLERANCE
          and result.get("rotary_inv_freq_equals_stock", True) and result.get("fusionbench", {}).get("relative_difference", 0) <= TOLERANCE
          and result.get("auto_model", {}).get("missing_keys", 0) == 0
          and ("--budget" not in flags or (module_ranks is not None and result["module_ranks"]["built_as_listed"])))
    result["ok"] = bool(ok)
    return result


def fusionbench_check(cli, root, kind, paths, setting, flags, batch, ours):
    """Loads the --layout fusionbench-hf output with FusionBench's class; None when fusion_bench does not import."""
    stem = DECODERS[kind][2]
    try:
        module = __import__(f"fusion_bench.models.modeling_smile_{kind}", fromlist=[f"Smile{stem}ForCausalLM"])
        cls = getattr(module, f"Smile{stem}ForCausalLM")
    except Exception as error:  # fusion_bench absent, or its module does not import under this transformers
        return {"skipped": f"{type(error).__name__}: {error}"[:200]}
    out = os.path.join(root, f"{kind}-{setting}-fusionbench")
    upscale(cli, paths, out, "fusionbench-hf", flags)
    try:
        theirs, info = cls.from_pretrained(out, output_loading_info=True)
        theirs.eval()
        logits = output(theirs, batch, True)
    except Exception as error:  # FusionBench's class itself fails under this transformers (recorded, not ours)
        return {"skipped": f"{cls.__name__} fails: {type(error).__name__}: {error}"[:200]}
    return {"class": cls.__module__ + "." + cls.__name__, "missing_keys": len(info["missing_keys"]), "unexpected_keys": len(info["unexpected_keys"]),
            "relative_difference": relative(ours, logits)}


def minilm_paths():
    base, family = "/tmp/realtasks-minilm", "/tmp/realtasks-family/full"
    tasks = ["mansec", "codelang", "pyeco"]
    paths = [base] + [os.path.join(family, t) for t in tasks]
    return paths if all(os.path.exists(os.path.join(p, "model.safetensors")) for p in paths) else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--minilm", action="store_true", help="also the realtasks MiniLM family (/tmp/realtasks-minilm, /tmp/realtasks-family/full)")
    parser.add_argument("--out")
    args = parser.parse_args()
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), f"hf_layout_result_transformers-{transformers.__version__}.json")
    results = []
    with tempfile.TemporaryDirectory() as root:
        for kind in list(DECODERS) + ["bert"]:
            paths = make_family(root, kind)
            for setting, flags in SETTINGS:
                results.append(check(args.cli, root, kind, paths, setting, flags))
        if args.minilm:
            paths = minilm_paths()
            if paths is None:
                results.append({"architecture": "minilm", "skipped": "the realtasks family is not built", "ok": True})
            else:
                for setting, flags in MINILM_SETTINGS:
                    results.append(check(args.cli, root, "minilm", paths, setting, flags, tokenizer_dir=paths[0]))
    versions = {"python": sys.version.split()[0], "torch": torch.__version__, "transformers": transformers.__version__}
    try:
        import fusion_bench  # noqa: F401
        from importlib.metadata import version
        versions["fusion_bench"] = version("fusion-bench")
    except Exception:
        versions["fusion_bench"] = None
    with open(out, "w") as f:
        json.dump({"generator": "reference/hf_layout_reference.py", "versions": versions, "tolerance": TOLERANCE, "results": results}, f, indent=1)
        f.write("\n")
    print(f"transformers {transformers.__version__}, torch {torch.__version__}, fusion_bench {versions['fusion_bench']}")
    for r in results:
        if "skipped" in r:
            print(f"{r['architecture']}: skipped ({r['skipped']})")
            continue
        line = (f"{r['architecture']:8s} {r['setting']:11s} {r['class']}: missing {len(r['missing_keys'])}, unexpected {len(r['unexpected_keys'])}, "
                f"SmileLinear {r['smile_linear_modules']}/{r['expected_modules']}, vs reference {r['relative_difference_to_reference']:.2e} "
                f"(vs base {r['relative_difference_to_base']:.2e})")
        if "rotary_inv_freq_equals_stock" in r:
            line += f", inv_freq stock {r['rotary_inv_freq_equals_stock']}, AutoModel {r['auto_model']['class']} ({r['auto_model']['missing_keys']} missing)"
        if r.get("module_ranks"):
            mr = r["module_ranks"]
            line += f", smile_module_ranks {mr['modules']} modules, k {mr['expert_ranks'][0]}–{mr['expert_ranks'][1]}, built as listed {mr['built_as_listed']}"
        if "fusionbench" in r:
            fb = r["fusionbench"]
            line += f", FusionBench {fb['skipped']}" if "skipped" in fb else f", FusionBench {fb['relative_difference']:.2e} ({fb['missing_keys']}/{fb['unexpected_keys']} keys)"
        print(line + ("" if r["ok"] else "  FAILED"))
    sys.exit(0 if all(r["ok"] for r in results) else 1)


if __name__ == "__main__":
    main()
