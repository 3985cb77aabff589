#!/usr/bin/env python3
"""Independent numpy float64 reference for `smile-inspect merge` (Sources/Analysis/Merging).

Written from the authors' code, read (not copied) for this purpose:
- TSV-M: aimagelab/task_singular_vectors `compute_and_sum_svs_for_tasks` — each task keeps its top
  int(min(m, n) * (1 / T)) triplets, the stacked U and V are replaced by their polar factors.
- Iso-C / Iso-CTS: danielm1405/iso-merging `iso_c` (SVD of the sum, singular values set to their mean) and
  `iso_cts` (common_space_fraction 0.8, task-specific blocks of the residual after removing the common space).
- TIES: prateeky2806/ties-merging (trim to top density, elect sign of the sum, disjoint mean), per tensor.

`literal_*` follow the code over all min(m, n) slots; `restricted_*` limit every block to its numerical rank
(sigma > sigma_1 * max(m, n) * eps_float32), which is what smile-inspect does. The script asserts the two agree
on full-rank (dense) updates, and records both for LoRA updates, where they differ (the "LoRA traps").

Writes Tests/AnalysisTests/Fixtures/merge/*.json. Run: python3 reference/merge_methods_reference.py
"""
import json
import os

import numpy as np

EPS32 = float(np.finfo(np.float32).eps)
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "AnalysisTests", "Fixtures", "merge")


def svd(a):
    return np.linalg.svd(a, full_matrices=False)


def rank(s, shape):
    if len(s) == 0 or s[0] <= 0:
        return 0
    return int(np.sum(s > s[0] * max(shape) * EPS32))


def polar(a):
    u, _, vt = svd(a)
    return u @ vt


def literal_tsv(taus):
    m, n = taus[0].shape
    r = min(m, n)
    k = int(r * (1 / len(taus)))
    su, ss, sv = np.zeros((m, r)), np.zeros(r), np.zeros((r, n))
    for i, t in enumerate(taus):
        u, s, vt = svd(t)
        su[:, i * k:(i + 1) * k] = u[:, :k]
        ss[i * k:(i + 1) * k] = s[:k]
        sv[i * k:(i + 1) * k, :] = vt[:k, :]
    return polar(su) @ np.diag(ss) @ polar(sv)


def restricted_tsv(taus):
    m, n = taus[0].shape
    k = int(min(m, n) * (1 / len(taus)))
    us, ss, vs = [], [], []
    for t in taus:
        u, s, vt = svd(t)
        ki = min(k, rank(s, t.shape))
        us.append(u[:, :ki]); ss.append(s[:ki]); vs.append(vt[:ki, :])
    U, S, V = np.hstack(us), np.concatenate(ss), np.vstack(vs)
    if len(S) == 0:
        return np.zeros((m, n))
    return polar(U) @ np.diag(S) @ polar(V)


def literal_iso_c(taus):
    u, s, vt = svd(sum(taus))
    return u @ np.diag(np.full_like(s, s.mean())) @ vt


def restricted_iso_c(taus):
    u, s, vt = svd(sum(taus))
    d = rank(s, taus[0].shape)
    return s[:d].mean() * (u[:, :d] @ vt[:d, :])


def iso_cts(taus, fraction, restrict):
    m, n = taus[0].shape
    t = len(taus)
    u, s, vt = svd(sum(taus))
    dim = rank(s, taus[0].shape) if restrict else min(m, n)
    common = int(dim * fraction)
    common = dim - round((dim - common) / t) * t  # Python round: half to even, as the code
    per = (dim - common) // t
    uc, sc, vc = u[:, :common], s[:common], vt[:common, :]
    us, ss, vs = [], [], []
    for w in taus:
        uu, s2, vv = svd(w - uc @ uc.T @ w)
        k = min(per, rank(s2, w.shape)) if restrict else per
        us.append(uu[:, :k]); ss.append(s2[:k]); vs.append(vv[:k, :])
    U = np.hstack(us + [uc]); S = np.concatenate(ss + [sc]); V = np.vstack(vs + [vc])
    return S.mean() * (polar(U) @ polar(V))


def ties(vectors, density):
    vs = np.array(vectors)
    n = vs.shape[1]
    k = max(1, int(density * n))
    trimmed = np.zeros_like(vs)
    for i, v in enumerate(vs):
        keep = np.argsort(-np.abs(v), kind="stable")[:k]
        trimmed[i, keep] = v[keep]
    sign = np.sign(trimmed.sum(0))
    majority = np.sign(sign.sum())
    sign[sign == 0] = majority
    agree = np.where(sign > 0, trimmed > 0, trimmed < 0)
    kept = (trimmed * agree).sum(0)
    count = agree.sum(0)
    return kept / np.maximum(count, 1)


def arr(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": a.reshape(-1).tolist()}


def write(name, case):
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(case, f, indent=1)
        f.write("\n")


def dense_case(name, m, n, t, seed):
    rng = np.random.default_rng(seed)
    # float32-representable inputs, so Swift reads exactly these values
    taus = [rng.standard_normal((m, n)).astype(np.float32).astype(np.float64) * 0.01 for _ in range(t)]
    expected = {
        "tsv": restricted_tsv(taus), "iso_c": restricted_iso_c(taus), "iso_cts": iso_cts(taus, 0.8, True),
        "ties": ties([x.reshape(-1) for x in taus], 0.3).reshape(m, n), "ta": sum(taus),
    }
    for got, lit in [(expected["tsv"], literal_tsv(taus)), (expected["iso_c"], literal_iso_c(taus)), (expected["iso_cts"], iso_cts(taus, 0.8, False))]:
        assert np.allclose(got, lit, atol=1e-12), "restricted and literal differ on full-rank updates"
    write(name, {"case": name, "kind": "dense", "updates": [arr(x) for x in taus], "ties_density": 0.3, "common_fraction": 0.8,
                 "expected": {k: arr(v) for k, v in expected.items()}})


def lora_case(name, m, n, ranks, seed):
    rng = np.random.default_rng(seed)
    factors = []
    for r in ranks:
        b = rng.standard_normal((m, r)).astype(np.float32).astype(np.float64) * 0.1
        a = rng.standard_normal((r, n)).astype(np.float32).astype(np.float64) * 0.1
        factors.append((b, a, 2.0))
    taus = [s * b @ a for b, a, s in factors]
    expected = {"tsv": restricted_tsv(taus), "iso_c": restricted_iso_c(taus), "iso_cts": iso_cts(taus, 0.8, True)}
    literal = {"tsv": literal_tsv(taus), "iso_c": literal_iso_c(taus), "iso_cts": iso_cts(taus, 0.8, False)}
    write(name, {"case": name, "kind": "lora", "lora": [{"b": arr(b), "a": arr(a), "scale": s} for b, a, s in factors],
                 "ties_density": 0.3, "common_fraction": 0.8,
                 "expected": {k: arr(v) for k, v in expected.items()},
                 "literal": {k: arr(v) for k, v in literal.items()}})


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    dense_case("dense_12x10_T3", 12, 10, 3, 1)
    dense_case("dense_9x14_T2", 9, 14, 2, 2)
    dense_case("dense_16x16_T4", 16, 16, 4, 3)
    lora_case("lora_20x16_T3_r2r3r2", 20, 16, [2, 3, 2], 4)
    lora_case("lora_24x18_T2_r4r4", 24, 18, [4, 4], 5)
    print("wrote", sorted(os.listdir(OUT)))
