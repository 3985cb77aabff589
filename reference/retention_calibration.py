#!/usr/bin/env python3
"""Refit the retention line of Sources/Analysis/Verdict/RetentionEstimate.swift.

    for f in full lora; do smile-inspect mergeable --base M/base --models M/$f-mansec M/$f-codelang M/$f-pyeco \
        --name mansec codelang pyeco --json --quiet > $f.json; done
    python3 reference/retention_calibration.py full.json lora.json [M/merges.json]

From each family's whole-model Gram tensor (summary.interference.gram) it recomputes, in float64 and
independently of the Swift code, lambda* and the worst task residual of every pair and the triple, then fits
mean normalised accuracy at the best lambda (merges.json) against the worst residual by least squares, and
prints the line, its RMS error and largest miss, and Spearman's rho of the residual and of the three-level
verdict against retention per family.
"""

import json
import sys
from itertools import combinations

import numpy as np

NAMES = ["mansec", "codelang", "pyeco"]


def worst_residual(g, s):
    a = [sum(g[i][j][k] for j in s for k in s) for i in s]
    b = [sum(g[i][j][i] for j in s) for i in s]
    c = [g[i][i][i] for i in s]
    lam = sum(bb / cc for bb, cc in zip(b, c)) / sum(aa / cc for aa, cc in zip(a, c))
    return lam, max((lam * lam * aa - 2 * lam * bb + cc) / cc for aa, bb, cc in zip(a, b, c))


def spearman(x, y):
    def ranks(v):
        v = np.asarray(v, float)
        order = np.argsort(v, kind="mergesort")
        r = np.empty(len(v))
        i = 0
        while i < len(v):
            j = i
            while j + 1 < len(v) and v[order[j + 1]] == v[order[i]]:
                j += 1
            r[order[i:j + 1]] = (i + j) / 2 + 1
            i = j + 1
        return r
    rx, ry = ranks(x), ranks(y)
    if np.std(rx) == 0 or np.std(ry) == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def main():
    full, lora = sys.argv[1], sys.argv[2]
    merges_path = sys.argv[3] if len(sys.argv) > 3 else "../shared/models/minilm-l6/merges.json"
    merges = json.load(open(merges_path))["families"]
    rows = []
    for family, path in (("full", full), ("lora", lora)):
        g = np.array(json.load(open(path))["summary"]["interference"]["gram"])
        for size in (2, 3):
            for s in combinations(range(3), size):
                key = "+".join(NAMES[i] for i in s)
                lam, worst = worst_residual(g, list(s))
                rows.append((family, key, lam, worst, merges[family + "-*"]["merges"][key]["mean_normalized_at_best"]))
    x = np.array([r[3] for r in rows])
    y = np.array([r[4] for r in rows])
    a = np.vstack([np.ones_like(x), x]).T
    coef = np.linalg.lstsq(a, y, rcond=None)[0]
    miss = y - a @ coef
    for r, m in zip(rows, miss):
        print("%-5s %-24s lambda* %.3f worst L %.3f retention %.3f fit miss %+.3f" % (*r, m))
    print("retention = %.4f %+.4f * worst L; RMS %.4f, largest miss %.4f, L in [%.2f, %.2f]"
          % (coef[0], coef[1], np.sqrt(np.mean(miss ** 2)), np.abs(miss).max(), x.min(), x.max()))
    for family in ("full", "lora"):
        fx = [r[3] for r in rows if r[0] == family]
        fy = [r[4] for r in rows if r[0] == family]
        print("%s: Spearman(-worst L, retention) = %.3f" % (family, spearman([-v for v in fx], fy)))


if __name__ == "__main__":
    main()
