"""Scores an `upscale --layout hf` output of the realtasks family loaded the way a user loads it:
`AutoModel.from_pretrained(DIR, trust_remote_code=True)` (the directory's own modeling_smile.py, its
config.json's smile_routing), on the realtasks test sets with the family's heads.

Reports what `evaluate.py smile DIR` reports, in its format and JSON fields (accuracy, individual,
normalized, zero-shot and routed_to_own_expert per task, routed_per_layer, the means; experts, top_k,
gate_k, k, layers, family), plus "routing". Routed own = share of real tokens (padding excluded) whose top-1
expert in a layer is the task's own, read from each SmileLinear's `last_routes` after every batch; mean over
the upscaled layers.

Everything task-related is `/work/shared/realtasks/evaluate.py`'s own code, imported (tokenizer, batches of
64, max_length 48, mean pooling, heads, individual accuracies, the printed table). On a `--routing token`
output it reproduces `evaluate.py smile DIR` (same tensors, FusionBench's per-token rule).

    /tmp/realtasks-venv/bin/python benchmarks/realtasks_hf.py DIR [--family full|lora] [--tasks T...]
        [--json OUT] [--limit N]

Environment as evaluate.py (REALTASKS_BASE, REALTASKS_FAMILY, REALTASKS_THREADS, default 1 thread).
"""
import argparse
import json
import os
import sys
import time

REALTASKS = os.environ.get("REALTASKS_DIR", "/work/shared/realtasks")
sys.path.insert(0, REALTASKS)
import evaluate as ev  # noqa: E402  (sets the thread count, the tokenizer, the heads)
import torch  # noqa: E402


def smile_linears(model):
    """{module name: module} of every SmileLinear of the loaded model (modeling_smile.py's class), sorted by name
    as evaluate.py sorts its layers (so the means add the same numbers in the same order)."""
    return dict(sorted((name, module) for name, module in model.named_modules() if type(module).__name__ == "SmileLinear"))


def load(directory):
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging
    hf_logging.disable_progress_bar()
    return AutoModel.from_pretrained(directory, trust_remote_code=True).eval()


def run(a):
    config_path = os.path.join(a.dir, "smile_config.json")
    cfg = json.load(open(config_path)) if os.path.exists(config_path) else None
    model = load(a.dir)
    mods = smile_linears(model)
    if not mods:
        sys.exit(f"{a.dir}: the loaded model has no SmileLinear (not an `upscale --layout hf` output)")
    E = model.config.num_local_experts
    tasks = ev.expert_tasks(cfg, E, a.tasks)
    family = a.family or ev.guess_family(cfg, a.family_dir)
    routing = getattr(model.config, "smile_routing", "token")
    counts = {name: torch.zeros(E, dtype=torch.long) for name in mods}

    def count(_module, _args, _output):
        mask = ev._mask[0]
        for name, m in mods.items():
            routes = m.last_routes
            if mask is not None and tuple(mask.shape) == tuple(routes.shape):
                routes = routes[mask.bool()]
            counts[name] += torch.bincount(routes.reshape(-1), minlength=E)
    model.register_forward_hook(count)

    gks = sorted({m.gate.weight.shape[0] // E for m in mods.values()})
    ks = sorted({e.u.shape[1] for m in mods.values() for e in m.experts})
    top_k = model.config.num_experts_per_tok
    print(f"SMILE (hf, AutoModel trust_remote_code): {len(mods)} layers, {E} experts {tasks}, gate_k {gks}, k {ks}, "
          f"top_k {top_k}, routing {routing}, heads: {family}", flush=True)

    def routed(t):
        i = tasks.index(t)
        per = {X: c[i].item() / max(1, c.sum().item()) for X, c in counts.items()}
        return {"routed_to_own_expert": sum(per.values()) / len(per), "routed_per_layer": per}

    def reset(_t):
        for c in counts.values():
            c.zero_()
    base = ev.base_state()
    eval_tasks = [t for t in tasks if t in ev.TASKS]
    res = ev.score(model, eval_tasks, a.family_dir, family, a.limit, base, "smile", extra=routed, before=reset)
    res.update({"experts": tasks, "top_k": top_k, "gate_k": gks, "k": ks, "layers": len(mods), "family": family, "routing": routing})
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--family", choices=["full", "lora"], help="whose heads (default: lora if every expert is a LoRA adapter)")
    ap.add_argument("--family-dir", default=ev.FAMILY)
    ap.add_argument("--tasks", nargs="+", help="task of each expert, in upscale's --models order")
    ap.add_argument("--limit", type=int, help="first N test examples per task (default all)")
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args()
    t0 = time.time()
    with torch.no_grad():
        res = run(a)
    res.update({"mode": "smile-hf", "dir": a.dir, "limit": a.limit, "seconds": round(time.time() - t0, 1), "torch": torch.__version__})
    print(f"({res['seconds']}s)")
    if a.json:
        json.dump(res, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
