#!/usr/bin/env python3
"""Peer check of `upscale --layout fusionbench-hf` against FusionBench itself (fusion-bench 0.2.33).

1. Builds a tiny random Llama family with transformers (2 decoder layers, hidden 64, GQA 4/2 heads):
   a base and three "fine-tunes" whose projections carry random rank-6 updates, except one projection
   left unchanged in every fine-tune (FusionBench's ExpertNotTrainedError path).
2. Runs `smile-inspect upscale --layout fusionbench-hf --others base` on it, for each setting below.
3. Loads the output with FusionBench's `SmileLlamaForCausalLM.from_pretrained` and records the missing
   and unexpected keys (must be none).
4. Upscales the same models with FusionBench's own `SmileCausalLMUpscalingAlgorithm` (same
   rank_of_expert / rank_of_router / num_experts_per_tok as our config.json) and compares the logits of
   both models on random token sequences.
5. Saves FusionBench's model with `save_pretrained` and reloads it, to show what its loader reports.

Two FusionBench bugs this exposes (recorded in the result file):
* its upscaled model is built under `init_empty_weights` and moved with `to_empty`, so the
  non-persistent buffer `model.rotary_emb.inv_freq` is never initialised (garbage memory): its
  in-memory model's logits are wrong. The comparison therefore repairs that buffer (recomputed by
  `LlamaRotaryEmbedding(config)`) and also reports the difference before the repair;
* a projection whose updates are all zero stays a plain `nn.Linear` (`X.weight`), so its own
  `save_pretrained` output reloads with `X.weight` unexpected and `X.shared_linear.weight`, the gate and
  the experts missing (randomly initialised).

Needs torch, transformers (4.5x: fusion-bench 0.2.33 imports `transformers.modeling_attn_mask_utils`,
gone in transformers 5) and fusion-bench. Usage:

    python reference/fusionbench_hf_reference.py --cli .build/debug/smile-inspect [--out reference/fusionbench_hf_result.json]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch
from transformers import LlamaConfig, LlamaForCausalLM
from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding

from fusion_bench.method.smile_upscaling.causal_lm_upscaling import SmileCausalLMUpscalingAlgorithm
from fusion_bench.modelpool import CausalLMPool
from fusion_bench.models.modeling_smile_llama import SmileLlamaForCausalLM

PROJECTIONS = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]
UNCHANGED = "model.layers.1.self_attn.k_proj"


def make_family(root, experts=3, rank=6, seed=0):
    torch.manual_seed(seed)
    config = LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         vocab_size=96, max_position_embeddings=128, tie_word_embeddings=False, torch_dtype="float32")
    base = LlamaForCausalLM(config).eval()
    paths = {"_pretrained_": os.path.join(root, "base")}
    base.save_pretrained(paths["_pretrained_"])
    for e in range(experts):
        model = LlamaForCausalLM(config)
        model.load_state_dict(base.state_dict())
        with torch.no_grad():
            for l in range(config.num_hidden_layers):
                for p in PROJECTIONS:
                    name = f"model.layers.{l}.{p}"
                    if name == UNCHANGED:
                        continue
                    w = model.get_submodule(name).weight
                    b = 0.05 * torch.randn(w.shape[0], rank)
                    a = torch.randn(rank, w.shape[1]) / w.shape[1] ** 0.5
                    w += b @ a
        paths[f"ft{e}"] = os.path.join(root, f"ft{e}")
        model.save_pretrained(paths[f"ft{e}"])
    return paths


def fusionbench_upscale(paths, rank_of_expert, rank_of_router, top_k):
    pool = CausalLMPool(models=paths, tokenizer=None)
    algorithm = SmileCausalLMUpscalingAlgorithm(device="cpu", accelerator="cpu", model_save_path=None, model_dtype=None,
                                                num_experts_per_tok=top_k, rank_of_router=rank_of_router, rank_of_expert=rank_of_expert)
    return algorithm.run(pool).eval()


def compare(cli, root, paths, name, flags):
    out = os.path.join(root, name)
    command = [cli, "upscale", "--base", paths["_pretrained_"], "--models"] + [paths[k] for k in sorted(paths) if k != "_pretrained_"] \
        + ["--out", out, "--layout", "fusionbench-hf", "--others", "base", "--quiet", "--json"] + flags
    report = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    with open(os.path.join(out, "config.json")) as f:
        config = json.load(f)
    ours, info = SmileLlamaForCausalLM.from_pretrained(out, output_loading_info=True)
    ours.eval()
    theirs = fusionbench_upscale(paths, config["rank_of_expert"], config["rank_of_router"], config["num_experts_per_tok"])
    torch.manual_seed(1)
    ids = torch.randint(0, 96, (4, 24))
    with torch.no_grad():
        a, unrepaired = ours(ids).logits, theirs(ids).logits
        theirs.model.rotary_emb.inv_freq.copy_(LlamaRotaryEmbedding(config=theirs.config).inv_freq)
        b = theirs(ids).logits
    diff = (a - b).abs().max().item()
    scale = b.abs().max().item()
    # FusionBench's own save → load round trip.
    saved = os.path.join(root, name + "-fusionbench-saved")
    theirs.save_pretrained(saved)
    _, their_info = SmileLlamaForCausalLM.from_pretrained(saved, output_loading_info=True)
    layers = report["config"]["modules"]
    return {
        "setting": name, "flags": flags,
        "config": {k: config[k] for k in ["model_type", "architectures", "num_local_experts", "num_experts_per_tok", "rank_of_router", "rank_of_expert"]},
        "missing_keys": sorted(info["missing_keys"]), "unexpected_keys": sorted(info["unexpected_keys"]),
        "logits_max_abs_difference": diff, "logits_max_abs": scale, "logits_relative_difference": diff / scale,
        "argmax_agreement": float((a.argmax(-1) == b.argmax(-1)).float().mean()),
        "logits_max_abs_difference_before_rotary_repair": (a - unrepaired).abs().max().item(),
        "budget": report["config"].get("budget", {}) and {k: report["config"]["budget"][k] for k in ["budget", "overhead", "energy_kept"]},
        "routing_mean_accuracy": [l["routing"]["mean_accuracy"] for l in layers if l.get("routing")],
        "routing_default_mean_accuracy": [l["routing"]["default_mean_accuracy"] for l in layers if l.get("routing")],
        "fusionbench_saved_reload": {"missing_keys": len(their_info["missing_keys"]), "unexpected_keys": sorted(their_info["unexpected_keys"])},
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "fusionbench_hf_result.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        paths = make_family(root)
        results = [compare(args.cli, root, paths, "k8-g2", ["--k", "8", "--gate-k", "2"]),
                   compare(args.cli, root, paths, "budget0.5-auto", ["--budget", "0.5", "--gate-k", "auto"])]
    import fusion_bench
    import transformers
    summary = {"generator": "reference/fusionbench_hf_reference.py", "torch": torch.__version__, "transformers": transformers.__version__,
               "fusion_bench": getattr(fusion_bench, "__version__", "0.2.33"), "unchanged_projection": UNCHANGED, "results": results}
    with open(args.out, "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    for r in results:
        print(f"{r['setting']}: rank_of_expert {r['config']['rank_of_expert']}, rank_of_router {r['config']['rank_of_router']}; "
              f"missing {len(r['missing_keys'])}, unexpected {len(r['unexpected_keys'])}; "
              f"logits max |diff| {r['logits_max_abs_difference']:.3g} (relative {r['logits_relative_difference']:.3g}), argmax agreement {r['argmax_agreement']:.3f}; "
              f"FusionBench's own save reloads with {r['fusionbench_saved_reload']['missing_keys']} missing / {len(r['fusionbench_saved_reload']['unexpected_keys'])} unexpected keys")
    ok = all(not r["missing_keys"] and not r["unexpected_keys"] and r["logits_relative_difference"] < 1e-4 for r in results)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
