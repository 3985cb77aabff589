#!/usr/bin/env python3
"""Reference for per-model merge weights w* (Sources/Analysis/MergePlan/TaskWeights.swift).

    python3 reference/task_weights_reference.py           # writes the fixture
    python3 reference/task_weights_reference.py --check   # fails if the fixture would change

Independent of the Swift route through the Gram tensor: the objective
    sum_i  sum_l ||(sum_j w_j dW_jl - dW_il) P_il||^2 / C_i,   C_i = sum_l ||dW_il P_il||^2
is written as one stacked least-squares problem ||A w - y||^2 (a block of rows per task and layer,
columns = tasks, scaled by 1/sqrt(C_i)) and solved in float64 by numpy's lstsq. P_il = V V^T over the
top right singular vectors of dW_il holding 90% of its energy. lambda* is the same problem with one
shared coefficient. Singular cases (a duplicated update) take the solution closest to lambda*·1
(lambda*·1 + the minimum-norm lstsq solution for the deviation), the Swift convention. The ridge case
solves (A^T A + rho I)(w - lambda*·1) = A^T (y - A lambda*·1), rho = ridge · tr(A^T A) / T.
Inputs are float32 (what Swift reads); every number is float64.
"""

import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "AnalysisTests", "Fixtures", "merge_plan", "task_weights.json")
FRACTION = 0.9


def rank_holding(dw, fraction):
    s = np.linalg.svd(dw, compute_uv=False)
    curve = np.cumsum(s ** 2) / np.sum(s ** 2)
    k = int(np.argmax(curve >= fraction - 1e-12)) + 1
    # The cut must not sit within rounding of the threshold, or float32 SVDs could choose another k.
    assert abs(curve[k - 1] - fraction) > 1e-4 and (k == 1 or abs(curve[k - 2] - fraction) > 1e-4)
    return k


def projector(dw, k):
    _, _, vt = np.linalg.svd(dw, full_matrices=False)
    v = vt[:k].T
    return v @ v.T


def system(layers):
    """A (rows x T) and y for the stacked least-squares form; layers[l][i] = dW_il (float64)."""
    t = len(layers[0])
    blocks_a, blocks_y, ranks = [], [], [[] for _ in layers]
    projectors = []
    for l, updates in enumerate(layers):
        ks = [rank_holding(dw, FRACTION) for dw in updates]
        ranks[l] = ks
        projectors.append([projector(dw, k) for dw, k in zip(updates, ks)])
    for i in range(t):
        c = sum(np.sum((layers[l][i] @ projectors[l][i]) ** 2) for l in range(len(layers)))
        for l, updates in enumerate(layers):
            p = projectors[l][i]
            cols = [(updates[j] @ p).ravel() / np.sqrt(c) for j in range(t)]
            blocks_a.append(np.stack(cols, axis=1))
            blocks_y.append((updates[i] @ p).ravel() / np.sqrt(c))
    return np.vstack(blocks_a), np.concatenate(blocks_y), ranks


def residuals(layers, w):
    t = len(layers[0])
    out = []
    for i in range(t):
        num = den = 0.0
        for updates in layers:
            k = rank_holding(updates[i], FRACTION)
            p = projector(updates[i], k)
            merged = sum(w[j] * updates[j] for j in range(t))
            num += np.sum(((merged - updates[i]) @ p) ** 2)
            den += np.sum((updates[i] @ p) ** 2)
        out.append(num / den)
    return out


def solve(layers, ridge):
    a, y, ranks = system(layers)
    t = a.shape[1]
    ones = np.ones(t)
    lam = float((a @ ones) @ y / ((a @ ones) @ (a @ ones)))
    target = y - a @ (lam * ones)
    if ridge == 0:
        deviation = np.linalg.lstsq(a, target, rcond=1e-6)[0]
    else:
        h = a.T @ a
        rho = ridge * np.trace(h) / t
        deviation = np.linalg.solve(h + rho * np.eye(t), a.T @ target)
    w = lam * ones + deviation
    return lam, w, ranks


def case(name, seed, shapes, t, duplicate=None, ridge=0.0):
    rng = np.random.default_rng(seed)
    layers32 = []
    for m, n in shapes:
        shared = rng.standard_normal((m, n))
        updates = []
        for i in range(t):
            mix = 0.6 * shared + rng.standard_normal((m, n)) * (0.5 + 0.4 * i) + 0.8 * np.outer(rng.standard_normal(m), rng.standard_normal(n))
            updates.append(mix.astype(np.float32))
        if duplicate is not None:
            updates[duplicate[1]] = updates[duplicate[0]].copy()
        layers32.append(updates)
    layers = [[u.astype(np.float64) for u in updates] for updates in layers32]
    lam, w, ranks = solve(layers, ridge)
    return {
        "case": name,
        "ridge": ridge,
        "layers": [[{"shape": [int(s) for s in u.shape], "data": [float(x) for x in u.ravel()]} for u in updates] for updates in layers32],
        "expected": {
            "ranks": ranks,
            "lambda_star": lam,
            "residuals_at_lambda_star": residuals(layers, [lam] * t),
            "weights": [float(x) for x in w],
            "residuals_at_weights": residuals(layers, w),
        },
    }


def main():
    cases = [
        case("two_layers_T3", 11, [(12, 10), (9, 7)], 3),
        case("two_layers_T4_ridge", 12, [(12, 10), (9, 7)], 4, ridge=0.5),
        case("duplicate_update_T3", 13, [(10, 8), (8, 8)], 3, duplicate=(0, 2)),
    ]
    text = json.dumps({"about": __doc__.strip().splitlines()[0], "cases": cases}, indent=None) + "\n"
    if "--check" in sys.argv:
        with open(OUT) as f:
            old = json.load(f)
        new = json.loads(text)
        for o, n in zip(old["cases"], new["cases"]):
            for key in ("lambda_star", "weights", "residuals_at_weights"):
                assert np.allclose(o["expected"][key], n["expected"][key], rtol=1e-10), (o["case"], key)
        print("fixture up to date")
        return
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT + ".tmp", "w") as f:
        f.write(text)
    os.replace(OUT + ".tmp", OUT)
    for c in cases:
        e = c["expected"]
        print(c["case"], "lambda*", round(e["lambda_star"], 4), "w*", np.round(e["weights"], 4), "L(w*)", np.round(e["residuals_at_weights"], 4), "L(l*)", np.round(e["residuals_at_lambda_star"], 4))


if __name__ == "__main__":
    main()
