#!/usr/bin/env python3
"""Markdown tables from merge_realtasks.py's JSON: per merge, each method's best coefficient and mean
normalized accuracy, the default's, and whether data-free statistics rank the methods.

  python3 reference/merge_realtasks_table.py results.json [--default tsv=1.0]
"""
import argparse, json
from collections import defaultdict


def spearman(x, y):
    def ranks(v):
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0.0] * len(v)
        i = 0
        while i < len(v):
            j = i
            while j + 1 < len(v) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for k in range(i, j + 1):
                r[order[k]] = (i + j) / 2
            i = j + 1
        return r
    rx, ry = ranks(x), ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    num = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    den = (sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry)) ** 0.5
    return num / den if den else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json")
    ap.add_argument("--default", nargs="+", default=["full:iso-c=3.0", "lora:tsv=0.5"], help="FAMILY:METHOD=C per family")
    a = ap.parse_args()
    defaults = {}
    for item in a.default:
        fam, rest = item.split(":"); m, c = rest.split("="); defaults[fam] = (m, float(c))
    rows = json.load(open(a.json))
    merges = defaultdict(list)
    for r in rows:
        merges[(r["family"], " + ".join(r["tasks"]))].append(r)
    methods = ["ta", "ties", "tsv", "iso-c", "iso-cts"]
    print("| family | merge | " + " | ".join(f"{m}: best c, kept" for m in methods) + " | default (" + ", ".join(f"{f}: {m} {c:g}" for f, (m, c) in defaults.items()) + ") | default − best | default − TA best |")
    print("|---|---|" + "---|" * (len(methods) + 3))
    order = sorted(merges, key=lambda k: (k[0], -len(k[1]), k[1]))
    rho = {s: [] for s in ["residual", "spread", "norm_ratio"]}
    for key in order:
        rs = merges[key]
        cells = []
        best_all = max(r["mean_normalized"] for r in rs)
        for m in methods:
            ms = [r for r in rs if r["method"] == m]
            if not ms:
                cells.append("–"); continue
            b = max(ms, key=lambda r: r["mean_normalized"])
            grid = ", ".join(f"{r['coefficient']:g}" for r in sorted(ms, key=lambda r: r["coefficient"]))
            cells.append(f"{b['coefficient']:g}, **{b['mean_normalized']:.3f}**" + (f" ({grid})" if len(ms) > 1 else ""))
        dm, dc = defaults[key[0]]
        d = [r for r in rs if r["method"] == dm and r["coefficient"] == dc]
        ta = max((r["mean_normalized"] for r in rs if r["method"] == "ta"), default=None)
        dv = d[0]["mean_normalized"] if d else None
        print(f"| {key[0]} | {key[1]} | " + " | ".join(cells) + f" | {dv:.3f} | {dv - best_all:+.3f} | {dv - ta:+.3f} |" if dv is not None and ta is not None
              else f"| {key[0]} | {key[1]} | " + " | ".join(cells) + " | – | – | – |")
        if len({r["method"] for r in rs}) >= 3:
            for s in rho:
                # lower residual / spread should mean more kept: correlate −statistic with accuracy
                rho[s].append(spearman([-r[s] if s != "norm_ratio" else r[s] for r in rs], [r["mean_normalized"] for r in rs]))
    print()
    for s, v in rho.items():
        if v:
            print(f"- Spearman over every (method, coefficient) of one merge, {'−' if s != 'norm_ratio' else '+'}{s} vs kept: "
                  + ", ".join(f"{x:+.2f}" for x in v) + f" (mean {sum(v) / len(v):+.2f})")


if __name__ == "__main__":
    main()
