#!/usr/bin/env python3
"""Independent numpy float64 reference for the per-method residual table of `mergeable --plan`
(Sources/Analysis/Merging/MethodResidualSums.swift, MethodResidualTable.swift).

For each merging method's update M of a 2-D weight (the merges of merge_methods_reference.py: task arithmetic,
TIES at density 0.2, TSV-M, Iso-C and Iso-CTS at common fraction 0.8, each limited to numerical ranks as
smile-inspect does) and each task i, with P_i = V_i V_i^T the right singular vectors of tau_i holding 90% of its
energy (the smallest k whose cumulative sigma^2 share reaches 0.9):

    a_i = ||M P_i||_F^2,  b_i = <M P_i, tau_i P_i>_F,  d_i = ||tau_i P_i||_F^2        (per layer)
    L_i(c) = (c^2 A_i - 2 c B_i + D_i) / D_i   with A, B, D the sums over layers
    Lbar(c) = mean_i L_i(c),  c* = sum_i(B_i/D_i) / sum_i(A_i/D_i)

Writes Tests/AnalysisTests/Fixtures/method_residuals/*.json (a dense full fine-tune family and a LoRA family,
three tasks, several layers). Run: python3 reference/method_residuals_reference.py
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from merge_methods_reference import arr, iso_cts, restricted_iso_c, restricted_tsv, ties  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "AnalysisTests", "Fixtures", "method_residuals")
ENERGY = 0.9
COEFFICIENTS = [0.0, 0.5, 1.0, 3.0]


def merged(method, taus):
    m, n = taus[0].shape
    if method == "ta":
        return sum(taus)
    if method == "ties":
        return ties([t.reshape(-1) for t in taus], 0.2).reshape(m, n)
    if method == "tsv":
        return restricted_tsv(taus)
    if method == "iso-c":
        return restricted_iso_c(taus)
    return iso_cts(taus, 0.8, True)


def subspace(tau):
    _, s, vt = np.linalg.svd(tau, full_matrices=False)
    energy = s ** 2
    if energy.sum() == 0:
        return vt[:0]
    curve = np.cumsum(energy) / energy.sum()
    k = int(np.argmax(curve >= ENERGY - 1e-12)) + 1
    return vt[:k]


def layer_sums(taus):
    vs = [subspace(t) for t in taus]
    out = {}
    for method in ["ta", "ties", "tsv", "iso-c", "iso-cts"]:
        m = merged(method, taus)
        a = [float(np.sum((m @ v.T) ** 2)) for v in vs]
        b = [float(np.sum((m @ v.T) * (t @ v.T))) for v, t in zip(vs, taus)]
        d = [float(np.sum((t @ v.T) ** 2)) for v, t in zip(vs, taus)]
        out[method] = {"a": a, "b": b, "d": d}
    return out, [int(v.shape[0]) for v in vs]


def model(layers):
    table = {}
    for method in layers[0]:
        A = np.sum([l[method]["a"] for l in layers], axis=0)
        B = np.sum([l[method]["b"] for l in layers], axis=0)
        D = np.sum([l[method]["d"] for l in layers], axis=0)
        res = lambda c: (c * c * A - 2 * c * B + D) / D  # noqa: E731
        best = float(np.sum(B / D) / np.sum(A / D))
        table[method] = {
            "A": A.tolist(), "B": B.tolist(), "D": D.tolist(),
            "residuals": {str(c): float(res(c).mean()) for c in COEFFICIENTS},
            "best_coefficient": best, "best_residual": float(res(best).mean()),
        }
        # c* minimises the mean: a small step either way does not lower it
        assert res(best).mean() <= min(res(best - 1e-3).mean(), res(best + 1e-3).mean())
    return table


def f32(a):
    return a.astype(np.float32).astype(np.float64)


def dense_family(seed):
    rng = np.random.default_rng(seed)
    shapes = [(12, 10), (16, 16), (9, 14)]
    layers = []
    for m, n in shapes:
        shared = f32(rng.standard_normal((m, n))) * 0.01  # a shared direction makes the tasks overlap
        taus = [f32(shared + f32(rng.standard_normal((m, n))) * 0.01) for _ in range(3)]
        layers.append({"base": arr(f32(rng.standard_normal((m, n)))), "updates": [arr(t) for t in taus], "taus": taus})
    return layers


def lora_family(seed):
    rng = np.random.default_rng(seed)
    specs = [((20, 16), [2, 3, 2]), ((24, 18), [4, 2, 3])]
    layers = []
    for (m, n), ranks in specs:
        factors = [(f32(rng.standard_normal((m, r))) * 0.1, f32(rng.standard_normal((r, n))) * 0.1, 2.0) for r in ranks]
        taus = [s * b @ a for b, a, s in factors]
        layers.append({"base": arr(f32(rng.standard_normal((m, n)))),
                       "lora": [{"b": arr(b), "a": arr(a), "scale": s} for b, a, s in factors], "taus": taus})
    return layers


def write(name, kind, layers):
    records = []
    sums = []
    for layer in layers:
        s, ranks = layer_sums(layer.pop("taus"))
        sums.append(s)
        records.append({**layer, "ranks": ranks, "sums": s})
    case = {"case": name, "kind": kind, "energy": ENERGY, "coefficients": COEFFICIENTS, "layers": records, "model": model(sums)}
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(case, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    write("dense_T3", "dense", dense_family(11))
    write("lora_T3", "lora", lora_family(12))
    print("wrote", sorted(os.listdir(OUT)))
