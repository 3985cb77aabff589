"""Which zero-shot, weights-only number predicts how well a layer routes real tokens? (issue #21)

For every upscaled layer of a `smile-inspect upscale` output DIR, compares the share of real tokens routed to
their own task's expert (`routed_per_layer` of `evaluate.py smile --json`, mean of the tasks: the TARGET,
measured) with numbers computed from the weights alone:

  probe        DIR/smile_config.json routing.mean_accuracy (probe inputs from each expert's top-p subspace)
  probe_g1     the same at gate_k 1 (routing.default_mean_accuracy)
  neutral      1 − mean max probability of neutral probes (W_pre's top input directions)
  separation   1 − mean_{i<j} ‖G_iᵀ G_j‖_F² / g: G_i = ΔWᵢ's top-g right singular vectors (g = the layer's gate_k)
  sigma_probe  top-1 routing accuracy of DIR's router G on σ-weighted probes of every task j, x = V_j S_j z,
               z ~ N(0, I) over ΔW_j's whole spectrum (256 per task, seed 0)
  sigma_pref   mean_j A_jj / Σ_i A_ij, A_ij = ‖G_i V_j S_j‖_F² / ‖S_j‖²: the share of task j's σ-weighted input
               energy that its own router reads, against every router (expected-logit² self-preference)
  gate_energy  mean_i Σ_{r<g} σ_{i,r}² / ‖ΔWᵢ‖²: the share of each update's energy its router's directions hold
  stable_rank  mean_i (‖ΔWᵢ‖_F² / σ_{i,1}²) / min(m, n): how spread each update's spectrum is
  residual     mean_i ‖ΔWᵢ − c·M‖² / ‖ΔWᵢ‖² (c·M: the Iso-C shared path, M = mean σ of ΣΔWⱼ times U Vᵀ)
  flatness     ‖M‖² / ‖ΣΔWⱼ‖² = (Σσ)² / (d Σσ²) over the d numerically nonzero singular values σ of ΣΔWⱼ
               (1: a flat spectrum, noise-like; small: a few strong directions)
  rel_update   mean_i ‖ΔWᵢ‖ / ‖W_pre‖
  depth        the layer's index (0–5), attn_out 1 for attention.output.dense

and prints Pearson and Spearman correlations over the layers, and, for each criterion, the real routed-own of
the layers it ranks on top. Deltas are read as evaluate.py does (`task_delta`, dense for LoRA), float64.

  layer_routing_criteria.py --family full --smile DIR --eval DIR.eval.json [--c 3] [--json OUT]

Run with /tmp/realtasks-venv/bin/python. A measurement script, not part of the tool.
"""
import argparse, json, os, re, sys
sys.path.insert(0, os.environ.get("REALTASKS_DIR", "/work/shared/realtasks"))
import torch
import evaluate as ev
from finetune import TASKS

torch.set_num_threads(int(os.environ.get("REALTASKS_THREADS", "1")))


def isoc_direction(dW):
    """Iso-C's M of ΣΔWⱼ (the singular vectors kept to numerical rank d, every singular value their mean σ̄)
    and the flatness ‖M‖²/‖ΣΔWⱼ‖² = (Σσ)² / (d Σσ²) of that spectrum (1: flat)."""
    U, s, Vh = torch.linalg.svd(sum(dW), full_matrices=False)
    r = int((s > s[0] * max(dW[0].shape) * torch.finfo(torch.float32).eps).sum())   # as SubspaceMerge (float32 rule)
    return s[:r].mean() * U[:, :r] @ Vh[:r], float(s[:r].sum() ** 2 / (r * s[:r].pow(2).sum()))


def criteria(X, Wp, dW, g, c, mod):
    E = len(dW)
    svd = [torch.linalg.svd(d, full_matrices=False) for d in dW]
    G = [Vh[:g] for _, _, Vh in svd]
    pairs = [(i, j) for i in range(E) for j in range(i + 1, E)]
    sep = 1 - sum(float((G[i] @ G[j].T).pow(2).sum()) / g for i, j in pairs) / len(pairs)
    A = torch.zeros(E, E, dtype=torch.float64)
    for j, (_, s, Vh) in enumerate(svd):
        VS = Vh.T * s
        for i in range(E):
            A[i, j] = (G[i] @ VS).pow(2).sum() / s.pow(2).sum()
    pref = float((A.diag() / A.sum(0)).mean())
    gen = torch.Generator().manual_seed(0)
    hits = 0
    for j, (_, s, Vh) in enumerate(svd):
        x = (torch.randn(256, s.numel(), generator=gen, dtype=torch.float64) * s) @ Vh
        logits = torch.stack([(x @ Gi.T).norm(dim=1) for Gi in G], 1)
        hits += int((logits.argmax(1) == j).sum())
    sprobe = hits / (256 * E)
    gate_energy = sum(float(sv[:g].pow(2).sum() / sv.pow(2).sum()) for _, sv, _ in svd) / E
    stable = sum(float(sv.pow(2).sum() / sv[0] ** 2) / min(Wp.shape) for _, sv, _ in svd) / E
    M, flat = isoc_direction(dW)
    M = c * M
    resid = sum(float((d - M).pow(2).sum() / d.pow(2).sum()) for d in dW) / E
    rel = sum(float(d.norm() / Wp.norm()) for d in dW) / E
    r = mod.get("routing") or {}
    return {"probe": r.get("mean_accuracy"), "probe_g1": r.get("default_mean_accuracy"),
            "neutral": 1 - r["neutral"]["max_probability"] if r.get("neutral") else None,
            "separation": sep, "sigma_pref": pref, "sigma_probe": sprobe, "gate_energy": gate_energy, "stable_rank": stable, "residual": resid, "flatness": flat, "rel_update": rel,
            "depth": int(re.search(r"layer\.(\d+)\.", X).group(1)), "attn_out": int("attention.output" in X)}


def rank(v):
    order = sorted(range(len(v)), key=lambda i: v[i])
    r = [0.0] * len(v)
    for pos, i in enumerate(order):
        r[i] = pos
    return r


def pearson(a, b):
    a, b = torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)
    a, b = a - a.mean(), b - b.mean()
    d = float(a.norm() * b.norm())
    return float((a @ b) / d) if d > 0 else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--family", default="full")
    ap.add_argument("--smile", required=True)
    ap.add_argument("--eval", required=True)
    ap.add_argument("--c", type=float, default=None, help="Iso-C coefficient (default: smile_config.json shared_coefficient)")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    cfg = json.load(open(os.path.join(a.smile, "smile_config.json")))
    c = a.c if a.c is not None else cfg.get("shared_coefficient") or 1
    res = json.load(open(a.eval))
    base = ev.base_state()
    deltas = [ev.task_delta(ev.model_dir(ev.FAMILY, a.family, t), base) for t in TASKS]
    rows = []
    for mod in cfg["modules"]:
        X = mod["module"]
        W = X + ".weight"
        dW = [d[W].double() if W in d else torch.zeros_like(base[W].double()) for d in deltas]
        crit = criteria(X, base[W].double(), dW, mod["gate_k"], c, mod)
        target = sum(res["tasks"][t]["routed_per_layer"][X] for t in TASKS) / len(TASKS)
        rows.append({"module": X, "routed": target, **crit})
        print(f"{X:42} routed {target:.3f} " + " ".join(f"{k} {v:.3f}" for k, v in crit.items() if isinstance(v, float)), flush=True)
    y = [r["routed"] for r in rows]
    print(f"\n{a.family}: {len(rows)} layers; correlation with real routed own (Pearson / Spearman), "
          "and mean real routed own of the layers each criterion ranks in its top quarter / top half (ranked in the\n"
          "direction of its Spearman correlation: lowest first when negative)")
    for k in ("probe", "probe_g1", "neutral", "separation", "sigma_pref", "sigma_probe", "gate_energy", "stable_rank", "residual", "flatness", "rel_update", "depth", "attn_out"):
        x = [r[k] for r in rows]
        if any(v is None for v in x):
            print(f"  {k:11} n/a")
            continue
        sign = 1 if pearson(rank(x), rank(y)) >= 0 else -1            # rank in the direction that predicts routing
        top = sorted(range(len(x)), key=lambda i: -sign * x[i])
        q, h = top[:len(x) // 4], top[:len(x) // 2]
        print(f"  {k:11} {pearson(x, y):+.3f} / {pearson(rank(x), rank(y)):+.3f}   top quarter {sum(y[i] for i in q) / len(q):.3f}"
              f"  top half {sum(y[i] for i in h) / len(h):.3f}  top quarter: " + ", ".join(rows[i]["module"].replace("encoder.layer.", "")
              .replace("attention.", "").replace("self.", "").replace(".dense", "") for i in q))
    print(f"  (every layer {sum(y) / len(y):.3f}; best possible top quarter {sum(sorted(y)[-len(y) // 4:]) / (len(y) // 4):.3f})")
    if a.json:
        json.dump({"family": a.family, "smile": a.smile, "eval": a.eval, "c": c, "layers": rows}, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
