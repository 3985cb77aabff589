#!/usr/bin/env python3
"""Reference for the sparsifying merges' per-tensor statistics
(Sources/Analysis/Subspace/SparsificationConflict.swift).

    python3 reference/sparsification_reference.py           # writes the fixture
    python3 reference/sparsification_reference.py --check   # fails if the fixture would change

Independent of the Swift route:
- magnitude (TIES): the mask is a stable descending argsort of |tau| cut at k = max(1, int(d * numel))
  (mergekit/sparsify.py `magnitude`); when mergekit is importable the mask and TIES' elected signs
  (merge_methods/generalized_task_arithmetic.py `get_mask`, consensus "sum" on the weighted trimmed
  vectors) are checked against mergekit's own functions too.
- random (DARE) and della_magprune (DELLA): expectations by brute force over all 2^T keep patterns of
  each entry (the Swift code uses closed product formulas). DELLA's keep probabilities follow
  mergekit's `della_magprune`: per row, ranks of |tau| ascending, p = (d - eps) + 2 eps (rank - 1)/(n - 1).
Inputs are float32 (what Swift reads); every statistic is float64.
"""

import itertools
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "AnalysisTests", "Fixtures", "merge_plan", "sparsification.json")


def magnitude_mask(tau, density):
    flat = np.abs(tau.reshape(-1))
    if density >= 1:
        return np.ones(flat.size, dtype=bool).reshape(tau.shape)
    k = max(1, int(density * flat.size))
    order = np.argsort(-flat, kind="stable")[:k]
    mask = np.zeros(flat.size, dtype=bool)
    mask[order] = True
    return mask.reshape(tau.shape)


def della_probabilities(tau, density, epsilon):
    if density >= 1:
        return np.ones(tau.shape)
    ranks = np.argsort(np.argsort(np.abs(tau), axis=1, kind="stable"), axis=1, kind="stable") + 1
    lo, hi = ranks.min(axis=1, keepdims=True), ranks.max(axis=1, keepdims=True)
    norm = np.clip((ranks - lo) / (hi - lo), 0, 1)
    return np.clip((density - epsilon) + norm * 2 * epsilon, 0, 1)


def per_task(tau, keep):
    energy = tau.astype(np.float64) ** 2
    return {"entries": int(tau.size), "energy": float(energy.sum()),
            "kept_entries": float(keep.sum()), "kept_energy": float((keep * energy).sum())}


def magnitude_case(name, taus, densities, weights, elects):
    masks = [magnitude_mask(t, d) for t, d in zip(taus, densities)]
    signed = [w * t.astype(np.float64) * m for t, m, w in zip(taus, masks, weights)]
    positive = sum((s > 0).astype(int) for s in signed)
    negative = sum((s < 0).astype(int) for s in signed)
    overlap = int(((positive + negative) >= 2).sum())
    conflict = int(((positive > 0) & (negative > 0)).sum())
    elected = np.where(sum(signed) >= 0, 1.0, -1.0)
    discarded = sum(float((t.astype(np.float64) ** 2 * m * (np.sign(w * t) * elected < 0)).sum())
                    for t, m, w in zip(taus, masks, weights))
    check_with_mergekit(taus, densities, weights, masks, elected)
    return {"method": "magnitude", "elects": elects,
            "tasks": [per_task(t, m.astype(np.float64)) for t, m in zip(taus, masks)],
            "overlap": overlap, "conflict": conflict, "discarded": discarded if elects else None}


def expectation_case(method, taus, densities, weights, epsilons):
    probs = [np.full(t.shape, d) if method == "random" else della_probabilities(t, d, e)
             for t, d, e in zip(taus, densities, epsilons)]
    overlap = conflict = 0.0
    T = len(taus)
    for index in np.ndindex(taus[0].shape):
        for pattern in itertools.product([0, 1], repeat=T):
            prob = np.prod([probs[i][index] if keep else 1 - probs[i][index] for i, keep in enumerate(pattern)])
            values = [weights[i] * float(taus[i][index]) for i, keep in enumerate(pattern) if keep]
            values = [v for v in values if v != 0]
            if len(values) >= 2:
                overlap += prob
            if any(v > 0 for v in values) and any(v < 0 for v in values):
                conflict += prob
    return {"method": method, "tasks": [per_task(t, p) for t, p in zip(taus, probs)],
            "overlap": overlap, "conflict": conflict, "discarded": None}


def check_with_mergekit(taus, densities, weights, masks, elected):
    try:
        import torch
        from mergekit.sparsify import magnitude
        from mergekit.merge_methods.generalized_task_arithmetic import get_mask
    except ImportError:
        return
    trimmed = []
    for t, d, m, w in zip(taus, densities, masks, weights):
        theirs = magnitude(torch.tensor(t), density=d).numpy() != 0
        assert (theirs == (m & (t != 0))).all(), "mask differs from mergekit's magnitude"
        trimmed.append(torch.tensor(t) * torch.tensor(m, dtype=torch.float32) * w)
    stacked = torch.stack(trimmed)
    theirs = get_mask(stacked, method="sum").numpy()
    ours = np.sign(stacked.numpy()) == elected
    assert (theirs == ours).all(), "elected signs differ from mergekit's get_mask"


def main():
    rng = np.random.default_rng(16)
    cases = []
    shape = (6, 9)
    taus = [rng.standard_normal(shape).astype(np.float32) * s for s in (1.0, 0.6, 1.4)]
    taus[1][0, :4] = 0  # zero entries take no side in the election
    densities, weights = [0.3, 0.55, 0.72], [1.0, 0.5, -0.8]
    for name, method, elects, eps in [("ties", "magnitude", True, None), ("magnitude_without_election", "magnitude", False, None),
                                      ("dare", "random", True, None), ("della", "della_magprune", True, [0.1, 0.2, 0.15])]:
        if method == "magnitude":
            result = magnitude_case(name, taus, densities, weights, elects)
        else:
            result = expectation_case(method, taus, densities, weights, eps or [0, 0, 0])
        cases.append({"case": name, "method": method, "elects": elects, "densities": densities, "weights": weights,
                      "epsilons": eps or [0, 0, 0],
                      "updates": [{"shape": list(shape), "data": [float(x) for x in t.reshape(-1)]} for t in taus],
                      "expected": result})
    text = json.dumps({"generator": "reference/sparsification_reference.py", "cases": cases}, indent=1) + "\n"
    if "--check" in sys.argv:
        if open(OUT).read() != text:
            sys.exit("fixture would change")
        return
    with open(OUT, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
