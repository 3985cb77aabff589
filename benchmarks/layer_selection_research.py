"""Which layers should SMILE upscale? (issue #21: "≥ 0.90 of tokens to their own expert" only where routing pays)

Takes an existing `smile-inspect upscale` output DIR (its shared path, experts, routers and other tensors) and,
for each selection NAME=REGEX, keeps upscaled only the layers whose name matches REGEX; every other upscaled
layer X becomes a plain linear carrying DIR's shared path alone (X.weight = X.pretrained_model.weight,
X.bias = X.pretrained_model.bias: W_pre + c·M and b_pre + c·mean Δb for --shared iso-c), i.e. what the tool
writes for a layer it leaves as shared path. Each selection is scored with evaluate.py's own `run_smile`
(tensors swapped in memory), so "routed own" is the share of real tokens on their own expert averaged over the
layers kept upscaled only. An empty REGEX match is refused (score the static merge with `evaluate.py merged`).

  layer_selection_research.py --smile DIR --family full 'attn-out=attention\\.output' 'l5=layer\\.5\\.' [--limit 0]

The ranks stay DIR's (the budget allocated over every layer); `upscale --route-threshold` allocates the budget
over the kept layers only. Run with /tmp/realtasks-venv/bin/python. A measurement script, not part of the tool.
"""
import argparse, contextlib, io, json, os, re, sys, time
sys.path.insert(0, os.environ.get("REALTASKS_DIR", "/work/shared/realtasks"))
import torch
import evaluate as ev
from finetune import TASKS

torch.set_num_threads(int(os.environ.get("REALTASKS_THREADS", "1")))


def plain_except(sd, keep):
    """sd with every SMILE layer not matched by `keep` replaced by a plain linear holding its shared path."""
    layers = sorted({k.rsplit(".gate.", 1)[0] for k in sd if k.endswith((".gate.weights", ".gate.weight"))})
    kept = [X for X in layers if re.search(keep, X)]
    if not kept:
        sys.exit(f"selection {keep!r} keeps no layer")
    out = {}
    for k, v in sd.items():
        X = next((X for X in layers if k.startswith(X + ".")), None)
        if X is None or X in kept:
            out[k] = v
        elif k.endswith((".pretrained_model.weight", ".shared_linear.weight")):
            out[X + ".weight"] = v
        elif k.endswith((".pretrained_model.bias", ".shared_linear.bias")):
            out[X + ".bias"] = v
    return out, kept


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smile", required=True)
    ap.add_argument("--family", default="full")
    ap.add_argument("--limit", type=int, default=0, help="first N test sentences per task; 0: the full test splits")
    ap.add_argument("--json", default=None, help="append one JSON line per selection to this file")
    ap.add_argument("selections", nargs="+", help="NAME=REGEX: layers kept upscaled")
    a = ap.parse_args()
    sd0 = ev.read_checkpoint(a.smile)
    for sel in a.selections:
        name, keep = sel.split("=", 1)
        t0 = time.time()
        sd, kept = plain_except(sd0, keep)
        orig = ev.read_checkpoint
        ev.read_checkpoint = lambda p, sd=sd: sd
        try:
            args = argparse.Namespace(dir=a.smile, tasks=None, top_k=None, family=a.family, family_dir=ev.FAMILY, limit=a.limit or None)
            with contextlib.redirect_stdout(io.StringIO()):
                r = ev.run_smile(args)
        finally:
            ev.read_checkpoint = orig
        t = r["tasks"]
        print(f"{name:24} layers {len(kept):2} acc " + " ".join(f"{t[k]['normalized']:.3f}" for k in TASKS)
              + f" mean {r['mean_normalized']:.3f} | routed own (kept layers) " + " ".join(f"{t[k]['routed_to_own_expert']:.3f}" for k in TASKS)
              + f" mean {r['mean_routed_to_own_expert']:.3f} ({time.time() - t0:.0f}s)", flush=True)
        if a.json:
            with open(a.json, "a") as f:
                f.write(json.dumps({"smile": a.smile, "selection": name, "regex": keep, "kept": kept, "limit": a.limit,
                                    "result": r}) + "\n")


if __name__ == "__main__":
    main()
