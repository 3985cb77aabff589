#!/usr/bin/env python3
"""Real accuracy of `smile-inspect merge` on ../shared/realtasks (mansec, codelang, pyeco; full and LoRA).

For every family (full, lora), every merge (the three tasks, and each pair) and every method, the merged
checkpoint is written ONCE by the Swift binary at coefficient 1 (θ₁ = θ_pre + M); the script reads
M = θ₁ − θ_pre and scores θ_pre + c·M for each coefficient c of the method's grid (the methods are linear in
c, so this is the checkpoint `merge --alpha c` writes, up to float rounding; `--check` scores one point both
ways). Accuracy is normalized by each task's own fine-tune (realtasks' cached `individual`) and averaged
over the merged tasks only.

Beside accuracy it records data-free statistics of each merged update, to test whether any ranks methods:
- residual L = mean over tasks of Σ_layers ‖(c·M − τᵢ)Pᵢ‖² / Σ_layers ‖τᵢPᵢ‖², Pᵢ the projector on the
  right singular vectors of τᵢ holding 90% of its energy (smile-inspect's Lᵢ, summed over linear weights);
- spread: the mean over linear weights of σ₁/σ̄ of c·M (what Iso-C flattens);
- norm ratio: ‖c·M‖ / mean ‖τᵢ‖ over linear weights;
- sum ratio: ‖c·M‖ / ‖Σᵢ τᵢ‖ over linear weights (the norm of the merge relative to task arithmetic's sum).

Run with the realtasks venv:  P=/tmp/realtasks-venv/bin/python
  $P reference/merge_realtasks.py --bin .build/release/smile-inspect --out /tmp/i22-merges --json results.json
Results are appended to the JSON after every score, so an interrupted run keeps what it measured. Each
fine-tune's own accuracy comes from realtasks' cache (eval.json) when it holds the sample size, else it is
computed here and not written back (the family directory is read-only).
"""
import argparse, itertools, json, os, subprocess, sys, time

sys.path.insert(0, "/work/shared/realtasks")
import evaluate as ev  # noqa: E402
import torch  # noqa: E402
from finetune import TASKS, load_task, pool  # noqa: E402

GRID = {"ta": [0.2, 0.3, 0.4, 0.5, 0.7, 1.0], "ties": [0.7, 1.0, 1.5], "tsv": [0.3, 0.5, 0.7, 1.0, 1.5],
        "iso-c": [0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 4.0], "iso-cts": [1.0, 3.0]}


def batches(task, limit):
    d = load_task(task); lid = {l: i for i, l in enumerate(d["labels"])}
    test = d["test"][:limit] if limit else d["test"]
    out = []
    for i in range(0, len(test), 64):
        b = test[i:i + 64]
        x = ev.tok()([t for t, _ in b], padding=True, truncation=True, max_length=48, return_tensors="pt")
        out.append((x, torch.tensor([lid[l] for _, l in b])))
    return out, len(test)


@torch.no_grad()
def accuracy(enc, head, data):
    batches_, n = data
    correct = 0
    for x, y in batches_:
        correct += int((head(pool(enc(**x), x["attention_mask"])).argmax(-1) == y).sum())
    return correct / n


def linear_keys(base):
    return [k for k, v in base.items() if v.ndim == 2 and k.endswith(".weight") and "embed" not in k]


def individual(family, task, limit, base, enc, head, data):
    """The task's own fine-tune's accuracy: realtasks' cached value for this sample size, else scored here."""
    d = ev.model_dir(ev.FAMILY, family, task)
    try:
        return json.load(open(os.path.join(d, "eval.json")))["individual"][str(limit or "all")]
    except (OSError, ValueError, KeyError):
        delta = ev.task_delta(d, base)
        enc.load_state_dict({k: (base[k].float() + delta[k]) if k in delta else base[k] for k in base}, strict=False)
        return accuracy(enc, head, data)


def statistics(base, deltas, m, c, svds):
    num = [0.0] * len(deltas); den = [0.0] * len(deltas); spread = []; ratio = []; sum_ratio = []
    for k in linear_keys(base):
        mk = c * m[k]
        s = torch.linalg.svdvals(mk.double())
        if s.sum() > 0:
            spread.append(float(s[0] / s.mean()))
        taus = [d.get(k) for d in deltas]
        norms = [float(t.norm()) for t in taus if t is not None]
        if norms and sum(norms) > 0:
            ratio.append(float(mk.norm()) / (sum(norms) / len(norms)))
            sum_ratio.append(float(mk.norm()) / float(sum(t for t in taus if t is not None).norm()))
        for i, t in enumerate(taus):
            if t is None:
                continue
            v = svds[i][k]
            num[i] += float(((mk - t).double() @ v).pow(2).sum())
            den[i] += float((t.double() @ v).pow(2).sum())
    res = [n / d for n, d in zip(num, den) if d > 0]
    return {"residual": sum(res) / len(res), "residual_worst": max(res), "spread": sum(spread) / len(spread), "norm_ratio": sum(ratio) / len(ratio),
            "sum_ratio": sum(sum_ratio) / len(sum_ratio)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--families", nargs="+", default=["full", "lora"])
    ap.add_argument("--methods", nargs="+", default=list(GRID))
    ap.add_argument("--grid", nargs="+", help="method=c1,c2,... overriding the default grid, e.g. ta=0.3,0.5 tsv=1.0")
    ap.add_argument("--wait-eval", action="store_true", help="use only fine-tunes whose eval.json setup.sh has written")
    ap.add_argument("--merges", nargs="+", default=["all", "pairs"], help="all = the three tasks; pairs = each pair")
    ap.add_argument("--subsets", nargs="+", help="only these merges, e.g. mansec+pyeco codelang+pyeco (overrides --merges)")
    a = ap.parse_args()
    for item in a.grid or []:
        method, values = item.split("=")
        GRID[method] = [float(v) for v in values.split(",")]
    results = json.load(open(a.json)) if os.path.exists(a.json) else []
    done = {(r["family"], tuple(r["tasks"]), r["method"], r["coefficient"]) for r in results}
    base = ev.base_state()
    enc = ev.make_encoder(dict(base))
    data = {t: batches(t, a.limit) for t in TASKS}
    subsets = ([tuple(TASKS)] if "all" in a.merges else []) + (list(itertools.combinations(TASKS, 2)) if "pairs" in a.merges else [])
    if a.subsets:
        subsets = [tuple(x.split("+")) for x in a.subsets]
    for family in a.families:
        ready = [t for t in TASKS if os.path.exists(os.path.join(ev.FAMILY, family, t, "eval.json" if a.wait_eval else "task.json"))]
        dirs = {t: ev.model_dir(ev.FAMILY, family, t) for t in ready}
        heads = {t: ev.task_head(dirs[t]) for t in ready}
        own = {t: individual(family, t, a.limit, base, enc, heads[t], data[t]) for t in ready}
        all_deltas = {t: ev.task_delta(dirs[t], base) for t in ready}
        svds = {}
        for t in ready:
            svds[t] = {}
            for k, d in all_deltas[t].items():
                if d.ndim != 2 or k not in linear_keys(base):
                    continue
                _, s, vt = torch.linalg.svd(d.double(), full_matrices=False)
                e = (s ** 2).cumsum(0) / (s ** 2).sum()
                r = int((e < 0.9).sum()) + 1
                svds[t][k] = vt[:r].T
        for tasks in [x for x in subsets if all(t in ready for t in x)]:
            for method in a.methods:
                todo = [c for c in GRID[method] if (family, tasks, method, c) not in done]
                if not todo:
                    continue
                out = os.path.join(a.out, f"{family}-{'+'.join(tasks)}-{method}")
                if not os.path.exists(os.path.join(out, "merge_config.json")):
                    t0 = time.time()
                    subprocess.run([a.bin, "merge", "--base", ev.BASE, "--models", *[dirs[t] for t in tasks], "--method", method,
                                    "--alpha", "1", "--out", out, "--force", "--quiet"], check=True, stdout=subprocess.DEVNULL)
                    print(f"merged {out} in {time.time() - t0:.1f}s", flush=True)
                merged = ev.read_checkpoint(out)
                m = {k: merged[k].float() - base[k].float() for k in base if base[k].is_floating_point()}
                for c in todo:
                    state = {k: (base[k].float() + c * m[k]) if k in m else base[k] for k in base}
                    enc.load_state_dict(state, strict=False)
                    acc = {t: accuracy(enc, heads[t], data[t]) for t in tasks}
                    norm = {t: acc[t] / own[t] for t in tasks}
                    stats = statistics(base, [all_deltas[t] for t in tasks], m, c, [svds[t] for t in tasks])
                    row = {"family": family, "tasks": list(tasks), "method": method, "coefficient": c, "limit": a.limit,
                           "accuracy": acc, "normalized": norm, "mean_normalized": sum(norm.values()) / len(norm), **stats}
                    results.append(row)
                    json.dump(results, open(a.json + ".tmp", "w"), indent=1); os.replace(a.json + ".tmp", a.json)
                    print(f"{family:4} {'+'.join(tasks):22} {method:8} c {c:4} mean {row['mean_normalized']:.3f}  "
                          + " ".join(f"{t} {norm[t]:.3f}" for t in tasks) + f"  L {stats['residual']:.3f} spread {stats['spread']:.2f}", flush=True)


if __name__ == "__main__":
    main()
