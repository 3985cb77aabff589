#!/usr/bin/env python3
"""Checks `upscale --layout hf --routing sequence` loaded with plain transformers against an independent
implementation of sequence routing.

For a tiny random BERT family (hf_layout_reference.make_family: 2 layers, hidden 64, three "fine-tunes"
with random rank-6 updates; one projection unchanged; k 8 / gate_k 2, and --budget 0.5 for per-module ranks) and, with --minilm, the realtasks MiniLM full
family (/tmp/realtasks-minilm, /tmp/realtasks-family/full/*) on real sentences:

1. `upscale --layout hf --routing sequence` and `--routing token` (same flags otherwise): model.safetensors
   byte-identical, config.json differing only in smile_routing;
2. loads the sequence output with `AutoModel.from_pretrained(DIR, trust_remote_code=True)`;
3. compares its last hidden state on a padded batch (real tokens) with the script's own float64
   implementation: the stock BertModel of the base with the output's other tensors, every projection
   replaced by ReferenceSequenceSmile (below; nothing of modeling_smile.py is imported), relative
   max |diff| / max |value| <= 1e-5, and every module's chosen expert per sequence equal to the loaded
   model's `last_routes`;
4. padding invariance: each sequence run alone (no padding) gives the same hidden states at its tokens
   (<= 1e-5) and the same routes as in the padded batch; the attention mask passed positionally gives the
   same result as by keyword; no mask on an unpadded batch equals a mask of ones;
5. batch independence: the batch reversed, and the batch with one sequence replaced, leave every other
   sequence's routes and hidden states unchanged (<= 1e-5);
6. `--routing token` still equals the smile-moe-linear (FusionBench-layout) output: hf_layout_reference.check.

The rule (README, `upscale --help`): for one forward call and one sequence s, every upscaled module, when it
runs, adds e_i += mean over s's real tokens of ||G_i x_t||_2; one layer's query, key and value add theirs
together before the first of them routes; every token of s goes to argmax_i e_i with weight 1.

Skips cleanly (prints "skipped: ...", exit 0) without torch or transformers. Usage:

    python reference/hf_sequence_routing_reference.py --cli .build/debug/smile-inspect [--minilm] [--out FILE.json]

The result goes to reference/hf_sequence_routing_result_transformers-<version>.json unless --out says otherwise.
"""
import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_layout_reference as hfref  # noqa: E402  (exits 0 with "skipped" when torch/transformers are missing)

import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from torch import nn  # noqa: E402

TOLERANCE = 1e-5
SAME_INPUT = ("attention.self.query", "attention.self.key", "attention.self.value")


class ReferenceState:
    """The evidence of one forward call: [batch, experts] float64, and the groups that added theirs."""

    def __init__(self):
        self.mask, self.evidence, self.done = None, None, set()


class ReferenceSequenceSmile(nn.Module):
    """One upscaled projection with sequence routing, in float64, from the hf layout's tensors."""

    def __init__(self, tensors, module, experts, state, groups):
        super().__init__()
        t = {name[len(module) + 1:]: value.double() for name, value in tensors.items() if name.startswith(module + ".")}
        self.weight, self.bias0, self.gate = t["shared_linear.weight"], t.get("shared_linear.bias"), t["gate.weight"]
        self.u = [t[f"experts.{i}.u"] for i in range(experts)]
        self.svh = [t[f"experts.{i}.svh"] for i in range(experts)]
        self.biases = [t.get(f"experts.{i}.bias") for i in range(experts)]
        self.experts, self.state = experts, state
        same = next((p for p in SAME_INPUT if module.endswith("." + p)), None)
        self.group = module[: -len(same)] + "qkv" if same else module
        groups.setdefault(self.group, []).append(self)
        self.groups, self.routes = groups, None

    def mean_logits(self, x, real):
        logits = (x @ self.gate.T).view(*x.shape[:-1], self.experts, -1).norm(dim=-1)     # [B, T, E]
        return (logits * real[..., None]).sum(1) / real.sum(1).clamp(min=1)[..., None]

    def forward(self, hidden):
        x = hidden.double()
        real = self.state.mask.double() if self.state.mask is not None else torch.ones(x.shape[:-1], dtype=torch.float64)
        if self.group not in self.state.done:
            self.state.done.add(self.group)
            added = sum(member.mean_logits(x, real) for member in self.groups[self.group])
            self.state.evidence = added if self.state.evidence is None else self.state.evidence + added
        chosen = self.state.evidence.argmax(-1)                                            # [B]
        self.routes = chosen
        y = x @ self.weight.T + (self.bias0 if self.bias0 is not None else 0)
        for b in range(x.shape[0]):
            c = int(chosen[b])
            y[b] = y[b] + x[b] @ self.svh[c].T @ self.u[c].T + (self.biases[c] if self.biases[c] is not None else 0)
        return y.to(hidden.dtype)


def reference_model(base_dir, out_dir, experts):
    """The stock base model with the output's other tensors and every projection a ReferenceSequenceSmile."""
    model = transformers.AutoModel.from_pretrained(base_dir).eval()
    tensors = {}
    for name in os.listdir(out_dir):
        if name.endswith(".safetensors"):
            tensors.update(load_file(os.path.join(out_dir, name)))
    modules = sorted({name[: -len(".gate.weight")] for name in tensors if name.endswith(".gate.weight")})
    plain = {k: v for k, v in tensors.items() if not any(k.startswith(m + ".") for m in modules)}
    model.load_state_dict(plain, strict=False)
    state, groups, replaced = ReferenceState(), {}, {}
    # Replaced in execution order within a layer (query, key, value first), so group members are all known.
    for module in modules:
        parent, _, child = module.rpartition(".")
        replaced[module] = ReferenceSequenceSmile(tensors, module, experts, state, groups)
        setattr(model.get_submodule(parent), child, replaced[module])
    return model, state, replaced


def run_reference(model, state, batch):
    state.mask, state.evidence, state.done = batch.get("attention_mask"), None, set()
    with torch.no_grad():
        return model(**batch).last_hidden_state.double()


def run_loaded(model, batch, positional=False):
    with torch.no_grad():
        if positional:
            return model(batch["input_ids"], batch["attention_mask"]).last_hidden_state.double()
        return model(**batch).last_hidden_state.double()


def routes_of(model):
    """{module: [batch] chosen expert per sequence} from the loaded model's last_routes."""
    return {name: m.last_routes[:, 0].clone() for name, m in model.named_modules() if type(m).__name__ == "SmileLinear"}


def relative(a, b):
    return ((a - b).abs().max() / b.abs().max()).item()


def masked(hidden, mask):
    return hidden[mask.bool()]


def check(cli, root, name, paths, flags, batch):
    seq_dir, token_dir = os.path.join(root, f"{name}-sequence"), os.path.join(root, f"{name}-token")
    hfref.upscale(cli, paths, seq_dir, "hf", flags + ["--routing", "sequence"])
    hfref.upscale(cli, paths, token_dir, "hf", flags + ["--routing", "token"])
    same_tensors = open(os.path.join(seq_dir, "model.safetensors"), "rb").read() == open(os.path.join(token_dir, "model.safetensors"), "rb").read()
    configs = [json.load(open(os.path.join(d, "config.json"))) for d in (seq_dir, token_dir)]
    config_difference = sorted(k for k in set(configs[0]) | set(configs[1]) if configs[0].get(k) != configs[1].get(k))

    model, info = transformers.AutoModel.from_pretrained(seq_dir, trust_remote_code=True, output_loading_info=True)
    model.eval()
    experts = model.config.num_local_experts
    reference, state, replaced = reference_model(paths[0], seq_dir, experts)
    mask = batch["attention_mask"]

    ours = run_loaded(model, batch)
    our_routes = routes_of(model)
    expected = run_reference(reference, state, batch)
    ref_routes = {m: r.routes.clone() for m, r in replaced.items()}
    route_mismatch = [m for m in ref_routes if not torch.equal(ref_routes[m], our_routes[m])]
    positional = run_loaded(model, batch, positional=True)

    alone_difference, alone_route_mismatch = 0.0, []
    for b in range(mask.shape[0]):
        n = int(mask[b].sum())
        single = {k: v[b:b + 1, :n] for k, v in batch.items()}
        hidden = run_loaded(model, single)
        alone_difference = max(alone_difference, relative(hidden[0], ours[b, :n]))
        alone_route_mismatch += [f"{m}[{b}]" for m, r in routes_of(model).items() if int(r[0]) != int(our_routes[m][b])]
    unpadded = {k: v[:, : int(mask[0].sum())] for k, v in batch.items()}
    unpadded_ids = {"input_ids": unpadded["input_ids"][: 1]}
    no_mask_difference = relative(run_loaded(model, unpadded_ids), run_loaded(model, {"input_ids": unpadded_ids["input_ids"],
                                                                                       "attention_mask": torch.ones_like(unpadded_ids["input_ids"])}))

    order = torch.arange(mask.shape[0] - 1, -1, -1)
    reversed_hidden = run_loaded(model, {k: v[order] for k, v in batch.items()})
    reversed_routes = routes_of(model)
    reversed_mismatch = [m for m in our_routes if not torch.equal(reversed_routes[m][order], our_routes[m])]
    swapped = {k: v.clone() for k, v in batch.items()}
    for k in swapped:
        swapped[k][0] = batch[k][-1]
    swapped_hidden = run_loaded(model, swapped)
    swapped_routes = routes_of(model)
    swapped_mismatch = [m for m in our_routes if not torch.equal(swapped_routes[m][1:], our_routes[m][1:])]
    others = mask[1:].bool()

    distribution = torch.stack([r for r in our_routes.values()]).flatten().bincount(minlength=experts).tolist()
    token_check = hfref.check(cli, root, name if name != "minilm" else "minilm", paths, "token-" + "-".join(flags).replace("--", ""),
                              flags + ["--routing", "token"], tokenizer_dir=paths[0] if name == "minilm" else None)
    result = {
        "architecture": name, "flags": flags, "class": type(model).__name__, "smile_routing": model.config.smile_routing,
        "missing_keys": len(info["missing_keys"]), "unexpected_keys": len(info["unexpected_keys"]),
        "tensors_identical_to_token_routing": same_tensors, "config_keys_differing_from_token_routing": config_difference,
        "batch": list(mask.shape), "real_tokens_per_sequence": mask.sum(1).tolist(),
        "relative_difference_to_reference": relative(masked(ours, mask), masked(expected, mask)),
        "modules": len(our_routes), "route_mismatches_to_reference": route_mismatch,
        "routes_per_expert_over_modules_and_sequences": distribution,
        "positional_mask_difference": relative(masked(positional, mask), masked(ours, mask)),
        "alone_vs_padded_batch_difference": alone_difference, "alone_route_mismatches": alone_route_mismatch,
        "no_mask_vs_ones_difference": no_mask_difference,
        "reversed_batch_difference": relative(masked(reversed_hidden[order], mask), masked(ours, mask)), "reversed_route_mismatches": reversed_mismatch,
        "replaced_sequence_others_difference": relative(swapped_hidden[1:][others], ours[1:][others]), "replaced_sequence_route_mismatches": swapped_mismatch,
        "token_routing_vs_smile_moe_linear": token_check["relative_difference_to_reference"], "token_routing_ok": token_check["ok"],
    }
    differences = [result[k] for k in ["relative_difference_to_reference", "positional_mask_difference", "alone_vs_padded_batch_difference",
                                       "no_mask_vs_ones_difference", "reversed_batch_difference", "replaced_sequence_others_difference"]]
    result["ok"] = bool(same_tensors and config_difference == ["smile_routing"] and not result["missing_keys"] and not result["unexpected_keys"]
                        and result["class"] == "SmileBertModel" and max(differences) <= TOLERANCE and not route_mismatch and not alone_route_mismatch
                        and not reversed_mismatch and not swapped_mismatch and token_check["ok"] and sum(1 for c in distribution if c) > 1)
    return result


def tiny_batch():
    """A padded batch of random token ids: lengths 24, 17, 9, 24, 3 (position 0 a [CLS]-like id)."""
    torch.manual_seed(3)
    lengths = [24, 17, 9, 24, 3]
    ids = torch.randint(1, hfref.VOCAB, (len(lengths), max(lengths)))
    mask = torch.zeros_like(ids)
    for b, n in enumerate(lengths):
        mask[b, :n] = 1
        ids[b, n:] = 0
    order = sorted(range(len(lengths)), key=lambda b: -lengths[b])   # the longest first: row 0 has no padding
    return {"input_ids": ids[order], "attention_mask": mask[order], "token_type_ids": torch.zeros_like(ids)}


def minilm_batch(tokenizer_dir):
    """Real sentences of the three realtasks tasks, padded (the longest first)."""
    tokenizer = transformers.AutoTokenizer.from_pretrained(tokenizer_dir)
    sentences = ["def main(argv):\n    parser = argparse.ArgumentParser()\n    return parser.parse_args(argv)",
                 "list directory contents", "copy files and directories recursively, preserving attributes",
                 "SELECT name FROM users WHERE id = 1;", "a pytest plugin for coverage reports",
                 "format a disk partition", "fn main() { println!(\"hello\"); }"]
    batch = dict(tokenizer(sentences, padding=True, return_tensors="pt"))
    order = torch.argsort(batch["attention_mask"].sum(1), descending=True, stable=True)
    return {k: v[order] for k, v in batch.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--minilm", action="store_true", help="also the realtasks MiniLM full family")
    parser.add_argument("--out")
    args = parser.parse_args()
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), f"hf_sequence_routing_result_transformers-{transformers.__version__}.json")
    results = []
    with tempfile.TemporaryDirectory() as root:
        paths = hfref.make_family(root, "bert")
        results.append(check(args.cli, root, "bert", paths, ["--k", "8", "--gate-k", "2"], tiny_batch()))
        results.append(check(args.cli, root, "bert-budget", paths, ["--budget", "0.5"], tiny_batch()))   # per-module ranks
        if args.minilm:
            paths = hfref.minilm_paths()
            if paths is None:
                results.append({"architecture": "minilm", "skipped": "the realtasks family is not built", "ok": True})
            else:
                results.append(check(args.cli, root, "minilm", paths, ["--k", "16", "--gate-k", "4"], minilm_batch(paths[0])))
    versions = {"python": sys.version.split()[0], "torch": torch.__version__, "transformers": transformers.__version__}
    with open(out, "w") as f:
        json.dump({"generator": "reference/hf_sequence_routing_reference.py", "versions": versions, "tolerance": TOLERANCE, "results": results}, f, indent=1)
        f.write("\n")
    print(f"transformers {transformers.__version__}, torch {torch.__version__}")
    for r in results:
        if "skipped" in r:
            print(f"{r['architecture']}: skipped ({r['skipped']})")
            continue
        print(f"{r['architecture']:11s} {r['class']}: vs reference {r['relative_difference_to_reference']:.2e}, routes equal {not r['route_mismatches_to_reference']} "
              f"({r['modules']} modules, per expert {r['routes_per_expert_over_modules_and_sequences']}); alone {r['alone_vs_padded_batch_difference']:.2e}, "
              f"positional {r['positional_mask_difference']:.2e}, no mask {r['no_mask_vs_ones_difference']:.2e}, reversed {r['reversed_batch_difference']:.2e}, "
              f"replaced {r['replaced_sequence_others_difference']:.2e}; tensors = token's {r['tensors_identical_to_token_routing']}; "
              f"token routing vs smile-moe-linear {r['token_routing_vs_smile_moe_linear']:.2e}" + ("" if r["ok"] else "  FAILED"))
    sys.exit(0 if all(r["ok"] for r in results) else 1)


if __name__ == "__main__":
    main()
