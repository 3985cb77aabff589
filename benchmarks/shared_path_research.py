"""Does a static Iso-C merge as SMILE's shared path make misrouted tokens cheap? (issue #21, realtasks family)

Takes an existing `smile-inspect upscale` output DIR (its router, its per-expert ranks k and its other tensors
are kept) and a subspace merge written by `smile-inspect merge --method iso-c --alpha 1` (θ₁ = θ_pre + M; any
`--method` at `--alpha 1` works the same way, e.g. `--method tsv` gives M = M_TSV and c = α; the method is
read from MERGE/merge_config.json for the labels), and rewrites every upscaled layer X as

    shared:   W_s = W_pre + c·M_W,            b_s = b_pre + c·M_b
    expert i: rank-k_i SVD of Rᵢ = ΔWᵢ − c·M_W (u = U_k S_k, svh = V_kᵀ), bias = bᵢ − b_s
    forward:  y = W_s x + b_s + β Σ pᵢ (uᵢ svhᵢ x + biasᵢ)         (β scales every expert's u and bias)

(float64 SVDs; k_i = columns of DIR's experts.i.u; gate unchanged: DIR's gate = ΔWᵢ's top right singular
vectors, which do not depend on the shared path). β = 1 with perfect routing is still each task's own
rank-k model; β = 0 is the static merge in the upscaled layers. Each configuration is scored with
evaluate.py's own SmileLinear (`run_smile`, tensors swapped in memory). `--static C,...` also scores the plain
static merge θ_pre + c·M over every tensor (what `merge --alpha c` writes; as reference/merge_realtasks.py).

  shared_path_research.py --family full --smile DIR --isoc MERGE --configs 3:1,3:0.75,1:1 [--static 3] [--limit 0]

--configs: C:BETA,...  --limit N: first N test sentences per task (0: the full test splits).
--top-k N: experts per token when scoring (default DIR's top_k); top_k 2 mixes the two best experts.
Run with /tmp/realtasks-venv/bin/python. Not part of the tool: a measurement script (benchmarks/).
"""
import argparse, contextlib, io, json, os, sys, time
sys.path.insert(0, os.environ.get("REALTASKS_DIR", "/work/shared/realtasks"))
import torch
import evaluate as ev
from finetune import TASKS

torch.set_num_threads(int(os.environ.get("REALTASKS_THREADS", "1")))


def layer_parts(smile, base, isoc, family):
    """{X: (W_pre, b_pre|None, M_W, M_b|None, [ΔWᵢ], [Δbᵢ|None], [kᵢ])} for every upscaled layer X of DIR."""
    deltas = [ev.task_delta(ev.model_dir(ev.FAMILY, family, t), base) for t in TASKS]
    layers = sorted({k.rsplit(".gate.", 1)[0] for k in smile if k.endswith(".gate.weights")})
    out = {}
    for X in layers:
        W, B = X + ".weight", X + ".bias"
        Wp = base[W].double()
        bp = base[B].double() if B in base else None
        MW = isoc[W].double() - Wp
        Mb = isoc[B].double() - bp if bp is not None else None
        dW = [d.get(W, torch.zeros_like(base[W])).double() for d in deltas]
        db = [d.get(B, torch.zeros_like(base[B])).double() if bp is not None else None for d in deltas]
        ks = [smile[f"{X}.experts.{i}.u"].shape[1] for i in range(len(TASKS))]
        out[X] = (Wp, bp, MW, Mb, dW, db, ks)
    return out


def rewrite(smile, parts, c):
    """DIR's tensors with shared path W_pre + c·M and experts from the residuals ΔWᵢ − c·M (β = 1)."""
    sd = dict(smile)
    for X, (Wp, bp, MW, Mb, dW, db, ks) in parts.items():
        sd[X + ".pretrained_model.weight"] = (Wp + c * MW).float()
        bs = bp + c * Mb if bp is not None else None
        if bs is not None:
            sd[X + ".pretrained_model.bias"] = bs.float()
        for i, (d, k) in enumerate(zip(dW, ks)):
            U, S, Vh = torch.linalg.svd(d - c * MW, full_matrices=False)
            sd[f"{X}.experts.{i}.u"] = (U[:, :k] * S[:k]).float()
            sd[f"{X}.experts.{i}.svh"] = Vh[:k].float()
            if bs is not None:
                sd[f"{X}.experts.{i}.bias"] = (bp + db[i] - bs).float()
    return sd


def scaled(sd, parts, beta):
    """sd with every expert's u and bias multiplied by β."""
    out = dict(sd)
    for X in parts:
        for i in range(len(TASKS)):
            for n in ("u", "bias"):
                k = f"{X}.experts.{i}.{n}"
                if k in out:
                    out[k] = out[k] * beta
    return out


def score_smile(sd, directory, family, limit, top_k=None):
    """evaluate.py smile on DIR with its tensors replaced by sd (top_k: DIR's config unless given)."""
    orig = ev.read_checkpoint
    ev.read_checkpoint = lambda p: sd
    try:
        args = argparse.Namespace(dir=directory, tasks=None, top_k=top_k, family=family, family_dir=ev.FAMILY, limit=limit)
        with contextlib.redirect_stdout(io.StringIO()):
            return ev.run_smile(args)
    finally:
        ev.read_checkpoint = orig


def score_static(base, isoc, c, family, limit):
    """evaluate.py merged semantics on θ_pre + c·(θ₁ − θ_pre) over every floating tensor."""
    state = {k: (b.float() + c * (isoc[k].float() - b.float())) if b.is_floating_point() and k in isoc else b for k, b in base.items()}
    enc = ev.make_encoder(state)
    with contextlib.redirect_stdout(io.StringIO()):
        return ev.score(enc, TASKS, ev.FAMILY, family, limit, base, "merged")


def line(label, r):
    t = r["tasks"]
    s = f"{label:28} acc " + " ".join(f"{t[k]['normalized']:.3f}" for k in TASKS) + f" mean {r['mean_normalized']:.3f}"
    if "mean_routed_to_own_expert" in r:
        s += " | routed " + " ".join(f"{t[k]['routed_to_own_expert']:.3f}" for k in TASKS) + f" mean {r['mean_routed_to_own_expert']:.3f}"
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--family", default="full")
    ap.add_argument("--smile", required=True, help="a smile-inspect upscale output (router, ranks, other tensors kept)")
    ap.add_argument("--isoc", required=True, help="smile-inspect merge --method iso-c|tsv --alpha 1 output of the same family")
    ap.add_argument("--configs", default="", help="C:BETA,... shared = W_pre + C·M, experts ×BETA")
    ap.add_argument("--static", default="", help="C,... also score the static merge θ_pre + C·M")
    ap.add_argument("--limit", type=int, default=0, help="first N test sentences per task; 0: all")
    ap.add_argument("--top-k", type=int, default=None, help="experts per token (default: DIR's top_k)")
    a = ap.parse_args()
    limit = a.limit or None
    t0 = time.time()
    base = ev.base_state()
    smile = ev.rename_to_base(ev.read_checkpoint(a.smile), set(base))
    isoc = ev.read_checkpoint(a.isoc)
    with open(os.path.join(a.isoc, "merge_config.json")) as f:
        method = json.load(f)["method"]
    for c in [float(x) for x in a.static.split(",") if x]:
        t1 = time.time()
        print(line(f"static {method} c {c:g}", score_static(base, isoc, c, a.family, limit)) + f" ({time.time() - t1:.0f}s)", flush=True)
    parts = layer_parts(smile, base, isoc, a.family)
    rewritten = {}
    for item in [x for x in a.configs.split(",") if x]:
        c, beta = (float(v) for v in item.split(":"))
        t1 = time.time()
        if c not in rewritten:
            rewritten[c] = rewrite(smile, parts, c)
        r = score_smile(scaled(rewritten[c], parts, beta), a.smile, a.family, limit, a.top_k)
        print(line(f"shared {method} c {c:g} beta {beta:g}" + (f" top_k {a.top_k}" if a.top_k else ""), r) + f" ({time.time() - t1:.0f}s)", flush=True)
    print(f"({time.time() - t0:.0f}s, limit {a.limit or 'all'})")


if __name__ == "__main__":
    main()
