#!/usr/bin/env python3
"""Peer check: FusionBench's SMILE projected-energy analysis, reimplemented in numpy.

What FusionBench computes (read from tanganke/fusion_bench, file
fusion_bench/method/smile_upscaling/projected_energy.py, class ProjectedEnergyAnalysis, method
analyze_weight and helpers _project_subspace_low / _project_subspace_high; snapshot commit
54c9e8c9d9621620c720452cd8533332a32d3689, file last changed in 36b7b7e39aaf2c41dc13684fb33685af29fda4c1):

  * runs on every torch.nn.Linear of the base model, pairs it with the same module of each fine-tuned
    model, casts both to float32 and takes w_diff = w_ft - w (so LoRA must be merged first; conv layers
    are not analysed);
  * thin SVD of w (full_matrices=False); k = #{j : cumsum(s)_j < 0.5 * sum(s)} + 1 (sigma-sum rule, no
    explicit clamp; analyze_weight has a k argument but run() never passes it);
  * E_I  = ||U_k U_k^T dW V_k V_k^T||^2 / ||dW||^2 with U_k = U[:, :k], V_k = V[:, :k];
  * E_II = same with the thin U[:, k:], V[:, k:] (i.e. columns k..r-1);
  * E_II+III = same with U[:, k:], V[:, k:] taken from a second, full SVD (full_matrices=True), i.e.
    columns k..m-1 and k..n-1: mid plus tail on each side;
  * no guard for dW = 0 (0/0 gives NaN).

This script re-implements those formulas independently (numpy, no torch), in float64 and in float32 (to
mimic their dtype), runs them on the reference fixtures and on the MiniLM full family, and prints the
comparison with our definitions (E_I = E[top][top], E_II = E[mid][mid],
E_II+III = sum over {mid, tail}^2 of E[a][b]) as the table quoted in reference/PEERS.md.

    python3 reference/fusionbench_energy.py [--no-minilm]
"""

import glob
import json
import os
import sys

sys.dont_write_bytecode = True  # keep reference/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smile_ref as R  # noqa: E402
import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "Tests", "AnalysisTests", "Fixtures", "reference")


def fb_analyze_weight(w, w_ft, dtype):
    """FusionBench's analyze_weight, re-expressed with numpy in the given dtype."""
    w = np.asarray(w, dtype=dtype)
    w_ft = np.asarray(w_ft, dtype=dtype)
    w_diff = w_ft - w
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = np.linalg.norm(w_diff, ord="fro") ** 2
        u, s, vh = np.linalg.svd(w, full_matrices=False)
        v = vh.T
        cumsum = np.cumsum(s)
        k = int(np.count_nonzero(cumsum < cumsum[-1] * 0.5)) + 1

        def proj(uu, vv):
            return uu @ uu.T @ w_diff @ vv @ vv.T

        e1 = np.linalg.norm(proj(u[:, :k], v[:, :k]), ord="fro") ** 2 / denom
        e2 = np.linalg.norm(proj(u[:, k:], v[:, k:]), ord="fro") ** 2 / denom
        uf, _, vhf = np.linalg.svd(w, full_matrices=True)
        vf = vhf.T
        e23 = np.linalg.norm(proj(uf[:, k:], vf[:, k:]), ord="fro") ** 2 / denom
    return k, float(e1), float(e2), float(e23)


def load_matrix(j):
    return np.array(j["data"], dtype=np.float64).reshape(j["shape"])


def fixture_rows():
    rows = []
    for path in sorted(glob.glob(os.path.join(FIX, "*.json"))):
        doc = json.load(open(path))
        if doc.get("kind") not in ("matrix", "lora"):
            continue
        w32 = load_matrix(doc["base"]).astype(np.float32)
        if doc["kind"] == "lora":
            deltas = [l["scale"] * (load_matrix(l["b"]) @ load_matrix(l["a"])) for l in doc["lora"]]
        else:
            deltas = [load_matrix(u) for u in doc["updates"]]
        exp = doc["expected"]
        for i, d in enumerate(deltas):
            pm = exp["per_model"][i]
            w64 = w32.astype(np.float64)
            k64, a64, b64, c64 = fb_analyze_weight(w64, w64 + d, np.float64)
            # float32 path: the stored fine-tuned weight is float32(W + dW); FusionBench subtracts in float32
            wft32 = (w64 + d).astype(np.float32)
            k32, a32, b32, c32 = fb_analyze_weight(w32, wft32, np.float32)
            rows.append((doc["case"], i, exp["zone_k"], k64, k32,
                         (pm["e_top"], a64, a32), (pm["e_mid"], b64, b32), (pm["e_mid_tail"], c64, c32)))
    return rows


def minilm_rows():
    import minilm_reference as M
    path = os.path.join(FIX, "minilm.json")
    if not os.path.exists(path):
        return []
    doc = json.load(open(path))
    base, full, lora = M.load_family(M.models_dir())
    rows = []
    for name in M.LAYERS:
        L = doc["expected"]["layers"][name]
        for fam in ("full", "lora"):
            for i, t in enumerate(M.TASKS):
                pm = L["families"][fam]["per_model"][i]
                w32 = base[name]
                d = M.family_deltas(base, full, lora, fam, name)[i]
                if fam == "full":
                    wft32 = full[t][name]  # the actual stored float32 fine-tuned weight
                else:
                    wft32 = (R.f64(w32) + d).astype(np.float32)  # LoRA merged into the base, as FB requires
                w64 = R.f64(w32)
                k64, a64, b64, c64 = fb_analyze_weight(w64, w64 + d, np.float64)
                k32, a32, b32, c32 = fb_analyze_weight(w32, wft32, np.float32)
                short = name.replace("encoder.layer.", "L").replace(".weight", "")
                rows.append((f"minilm {fam} {short}", t, L["zone_k"], k64, k32,
                             (pm["e_top"], a64, a32), (pm["e_mid"], b64, b32), (pm["e_mid_tail"], c64, c32)))
    return rows


def fmt(x):
    return "NaN" if x != x else f"{x:.6f}"


def main():
    rows = fixture_rows()
    if "--no-minilm" not in sys.argv:
        rows += minilm_rows()
    print("| case | model | k ours | k FB64 | k FB32 | E_I ours | FB64 | FB32 | E_II ours | FB64 | FB32 "
          "| E_II+III ours | FB64 | FB32 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    worst64, worst32, kdiff, nan_cases = 0.0, 0.0, [], []
    for case, i, k, k64, k32, e1, e2, e3 in rows:
        print(f"| {case} | {i} | {k} | {k64} | {k32} | " +
              " | ".join(f"{fmt(o)} | {fmt(a)} | {fmt(b)}" for o, a, b in (e1, e2, e3)) + " |")
        if k != k64 or k != k32:
            kdiff.append((case, i, k, k64, k32))
        for o, a, b in (e1, e2, e3):
            if a != a or b != b:
                nan_cases.append((case, i))
                continue
            worst64 = max(worst64, abs(o - a))
            worst32 = max(worst32, abs(o - b))
    print(f"\nmax |ours - FB float64| = {worst64:.3e}")
    print(f"max |ours - FB float32| = {worst32:.3e}")
    print(f"k differences: {kdiff or 'none'}")
    print(f"NaN (zero update, 0/0 in FB): {sorted(set(nan_cases)) or 'none'}")



def basis_dependence_demo():
    """A non-square W with zero singular values: the thin U's columns for sigma = 0 are an arbitrary
    subset of the left null space, so E_II (FusionBench's thin U[:, k:]) and our E[mid][*] / E[tail][*]
    split depend on which subset LAPACK returns; E_I and E_II+III do not."""
    rng = np.random.default_rng(7)
    m, n, rank = 10, 6, 4
    w = (rng.standard_normal((m, rank)) @ rng.standard_normal((rank, n))).astype(np.float32).astype(np.float64)
    d = 0.1 * rng.standard_normal((m, n))
    uf, s, vh = np.linalg.svd(w, full_matrices=True)
    v = vh.T
    k = int(np.count_nonzero(np.cumsum(s) < 0.5 * np.sum(s))) + 1
    out = []
    for mix in (0.0, 0.7):
        # rotate the thin zero-sigma columns (4, 5) towards the rest of the null space (columns 6, 7)
        u = uf.copy()
        c, sn = np.cos(mix), np.sin(mix)
        u[:, [4, 5]], u[:, [6, 7]] = c * uf[:, [4, 5]] + sn * uf[:, [6, 7]], -sn * uf[:, [4, 5]] + c * uf[:, [6, 7]]
        assert np.allclose((u[:, :n] * s) @ v.T, w, atol=1e-9)  # still a valid thin SVD of W
        tot = np.sum(d * d)

        def e(uu, vv):
            p = uu @ uu.T @ d @ vv @ vv.T
            return float(np.sum(p * p) / tot)
        out.append((mix, e(u[:, :k], v[:, :k]), e(u[:, k:n], v[:, k:n]), e(u[:, k:], v[:, k:])))
    print(f"\nbasis dependence, 10x6 W of rank 4 (k={k}): rotation angle, E_I, E_II (thin), E_II+III (full)")
    for row in out:
        print("  " + ", ".join(f"{x:.6f}" for x in row))


if __name__ == "__main__":
    main()
    basis_dependence_demo()
