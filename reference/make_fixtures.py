#!/usr/bin/env python3
"""Regenerate every reference fixture in Tests/AnalysisTests/Fixtures/reference/.

    python3 reference/make_fixtures.py            # writes the files
    python3 reference/make_fixtures.py --check    # recomputes and fails if any file would change

Inputs are generated in float32 from fixed seeds; expected values are computed in float64 by
reference/smile_ref.py. Each case asserts that its reported quantities are well defined (no zone cut or
effective-rank cut inside a cluster of equal singular values, no cumulative sum within rounding of a
threshold, intruder max-cos independent of the basis chosen inside degenerate clusters), so that a
correct implementation must agree to ~1e-10, far inside the 1e-4 test tolerance.
"""

import json
import os
import sys

sys.dont_write_bytecode = True  # keep reference/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smile_ref as R  # noqa: E402  (sets single-threaded BLAS before numpy is imported)
import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "Tests", "AnalysisTests", "Fixtures", "reference")

DEFAULT_OPTIONS = {
    "fraction": 0.5,
    "zone_rule": "sigma-sum",
    "fractions_4way": [0.5, 0.9],
    "explicit_rank": 3,
    "sti_rank": 2,
    "intruder_top": 10,
    "intruder_threshold": 0.5,
    "interference_fraction": 0.9,
    "effective_rank_fractions": [0.9, 0.99],
    "lambdas": [0.3, 0.5, 0.7, 1.0],
}

MARGIN = 1e-6  # minimum relative distance of any cumulative sum from its threshold


# ----------------------------------------------------------------------------------------------------
# JSON helpers
# ----------------------------------------------------------------------------------------------------

def tensor_json(a):
    a = np.asarray(a)
    return {"shape": [int(d) for d in a.shape], "data": [float(x) for x in a.ravel(order="C")]}


def flist(a):
    return [float(x) for x in np.asarray(a).ravel()]


def fmat(a):
    return [[float(x) for x in row] for row in np.asarray(a)]


# ----------------------------------------------------------------------------------------------------
# Input builders (float32)
# ----------------------------------------------------------------------------------------------------

def orth(rng, d):
    q, rr = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(rr))


def with_spectrum(rng, m, n, sigma):
    r = len(sigma)
    u = orth(rng, m)[:, :r]
    v = orth(rng, n)[:, :r]
    return (u * np.asarray(sigma, dtype=np.float64)) @ v.T


def f32(a):
    return np.asarray(a, dtype=np.float64).astype(np.float32)


def base_svd(w32):
    u, s, vt = R.full_svd(w32)
    return u, s, vt.T


# ----------------------------------------------------------------------------------------------------
# Well-definedness checks
# ----------------------------------------------------------------------------------------------------

def check_cut(sigma, k, what):
    r = len(sigma)
    if 0 < k < r:
        gap = (sigma[k - 1] - sigma[k]) / sigma[0]
        assert gap > 1e-6, f"{what}: cut k={k} falls inside a singular value cluster (gap {gap})"


def check_base(w, s, opts, ks):
    m, n = w.shape
    for f, rule in ((opts["fraction"], "sigma-sum"), (opts["fraction"], "energy"),
                    (opts["fractions_4way"][0], "sigma-sum"), (opts["fractions_4way"][1], "sigma-sum")):
        mg = R.zone_margin(s, f, rule)
        assert mg > MARGIN, f"zone rule {rule} at {f}: cumulative sum within {mg} of the threshold"
    for name, k in ks.items():
        check_cut(s, k, name)
    if m != n:
        # Zero singular values of a non-square W make the thin basis columns for them an arbitrary
        # subset of the null space, so the mid/tail split would be basis-dependent.
        assert s[-1] > 1e-6 * s[0], "non-square W with (near-)zero singular values"


def check_delta(d, opts, sti_rank):
    s = R.singular_values(d)
    if s[0] == 0:
        return
    for f in opts["effective_rank_fractions"]:
        mg = R.effective_rank_margin(s, f)
        assert mg > 1e-9, f"energy curve within {mg} of {f}"
    for ri in (R.effective_rank(s, opts["interference_fraction"]), min(sti_rank, len(s))):
        # STI uses individual singular vectors: they must be unique up to sign within the kept set,
        # and the kept subspace must be separated from the rest.
        kept = s[: ri + 1]
        assert not R.clusters(kept, 1e-6), f"degenerate singular values of dW within the first {ri}+1"


# ----------------------------------------------------------------------------------------------------
# Matrix (dense or LoRA) analysis
# ----------------------------------------------------------------------------------------------------

def analyze_matrix(w32, deltas, opts):
    w = R.f64(w32)
    m, n = w.shape
    r = min(m, n)
    u_full, s, v_full = base_svd(w)
    f = opts["fraction"]
    k = R.zone_k(s, f, "sigma-sum")
    k_energy = R.zone_k(s, f, "energy")
    k_explicit = R.zone_k_explicit(opts["explicit_rank"], r)
    k1 = R.zone_k(s, opts["fractions_4way"][0], "sigma-sum")
    k2 = R.zone_k(s, opts["fractions_4way"][1], "sigma-sum")
    assert k1 <= k2
    check_base(w, s, opts, {"k": k, "k_energy": k_energy, "k_explicit": k_explicit, "k1": k1, "k2": k2})

    left3, right3 = R.zone_dims_3(m, r, k), R.zone_dims_3(n, r, k)
    left4, right4 = R.zone_dims_4(m, r, k1, k2), R.zone_dims_4(n, r, k1, k2)
    base3 = R.random_baseline(left3, right3, m, n)
    pl3, pr3 = R.zone_projectors_3(u_full, r, k), R.zone_projectors_3(v_full, r, k)
    ple, pre = R.zone_projectors_3(u_full, r, k_energy), R.zone_projectors_3(v_full, r, k_energy)
    plx, prx = R.zone_projectors_3(u_full, r, k_explicit), R.zone_projectors_3(v_full, r, k_explicit)
    pl4, pr4 = R.zone_projectors_4(u_full, r, k1, k2), R.zone_projectors_4(v_full, r, k1, k2)
    wnorm = np.sqrt(R.fro2(w))

    per_model, maps4 = [], []
    for d in deltas:
        check_delta(d, opts, opts["sti_rank"])
        e, zero = R.block_energy_map(pl3, pr3, d)
        e_alt = R.block_energy_map_by_bases(u_full, v_full, r, [k], d)
        assert np.allclose(e, e_alt, atol=1e-12), "projector and basis paths disagree"
        if not zero:
            assert abs(e.sum() - 1.0) < 1e-12
        e_en, _ = R.block_energy_map(ple, pre, d)
        e_x, _ = R.block_energy_map(plx, prx, d)
        e4, _ = R.block_energy_map(pl4, pr4, d)
        e4_alt = R.block_energy_map_by_bases(u_full, v_full, r, [k1, k2], d)
        assert np.allclose(e4, e4_alt, atol=1e-12)
        sd = R.singular_values(d)
        maxcos, idx, _ = R.intruders(w, d, opts["intruder_top"], opts["intruder_threshold"])
        assert R.intruders_well_defined(w, d, opts["intruder_top"]), "intruder max-cos is basis-dependent"
        assert np.all(np.abs(maxcos - opts["intruder_threshold"]) > 1e-6)
        dn = np.sqrt(R.fro2(d))
        per_model.append({
            "energy_map": fmat(e),
            "baseline": fmat(base3),
            "baseline_ratio": R.baseline_ratio(e, base3),
            "e_top": float(e[0, 0]),
            "e_mid": float(e[1, 1]),
            "e_mid_tail": float(e[1, 1] + e[1, 2] + e[2, 1] + e[2, 2]),
            "delta_norm": float(dn),
            "relative_norm": float(dn / wnorm),
            "delta_singular_values": flist(sd),
            "energy_curve": flist(R.energy_curve(sd)),
            "effective_rank_90": R.effective_rank(sd, 0.9),
            "effective_rank_99": R.effective_rank(sd, 0.99),
            "intruder_max_cos": flist(maxcos),
            "intruders": idx,
            "zero_update": bool(zero),
            "energy_map_energy_rule": fmat(e_en),
            "energy_map_explicit_rank": fmat(e_x),
        })
        maps4.append(fmat(e4))

    exp = {
        "singular_values": flist(s),
        "rank": r,
        "numerical_rank": int(np.count_nonzero(s > max(m, n) * np.finfo(np.float64).eps * s[0])),
        "zone_k": k,
        "zone_k_energy_rule": k_energy,
        "zone_k_explicit": k_explicit,
        "zone_k_4way": [k1, k2],
        "zone_dims_left": left3,
        "zone_dims_right": right3,
        "zone_dims_4way_left": left4,
        "zone_dims_4way_right": right4,
        "w_norm": float(wnorm),
        "per_model": per_model,
        "energy_map_4way": maps4,
    }
    exp.update(cross_task(deltas, opts))
    return exp


def cross_task(deltas, opts):
    t = len(deltas)
    if t < 2:
        keys = ["interference", "interference_ranks", "ta_coefficients", "lambda_star",
                "residuals_at_lambda_star", "residuals_by_lambda", "residual_sum_at_lambda_star",
                "cosine", "principal_angles_right", "principal_angles_left", "sti", "sti_ranks",
                "sti_fixed_rank", "sti_fixed_ranks"]
        out = {key: None for key in keys}
        out["cosine"] = [[R.cosine(a, b) for b in deltas] for a in deltas]
        return out
    it = R.interference(deltas, opts["lambdas"], opts["interference_fraction"])
    right, left = R.principal_angles(deltas, it["ranks"])
    shape_min = min(deltas[0].shape)
    fixed = [min(opts["sti_rank"], shape_min)] * t
    return {
        "interference": it["matrix"],
        "interference_ranks": it["ranks"],
        "ta_coefficients": {"a": flist(it["a"]), "b": flist(it["b"]), "c": flist(it["c"])},
        "lambda_star": it["lambda_star"],
        "residuals_at_lambda_star": flist(it["residuals_at_lambda_star"]),
        "residual_sum_at_lambda_star": float(np.sum(it["residuals_at_lambda_star"])),
        "residuals_by_lambda": {key: flist(v) for key, v in it["residuals_by_lambda"].items()},
        "cosine": [[R.cosine(a, b) for b in deltas] for a in deltas],
        "principal_angles_right": right,
        "principal_angles_left": left,
        "sti": R.sti(deltas, it["ranks"]),
        "sti_ranks": it["ranks"],
        "sti_fixed_rank": R.sti(deltas, fixed),
        "sti_fixed_ranks": fixed,
    }


# ----------------------------------------------------------------------------------------------------
# Tensor (conv) analysis
# ----------------------------------------------------------------------------------------------------

def analyze_tensor(w32, deltas, opts):
    w = R.f64(w32)
    f = opts["fraction"]
    modes = [R.mode_zones(w, nn, f) for nn in range(w.ndim)]
    for nn, mz in enumerate(modes):
        assert R.zone_margin(mz["sigma"], f) > MARGIN, f"mode {nn} zone margin"
        check_cut(mz["sigma"], mz["k"], f"mode {nn}")
    wnorm = np.sqrt(R.fro2(w))
    per_model = []
    for d in deltas:
        d = R.f64(d)
        e, zero = R.channel_energy_map(modes[0], modes[1], d)
        if not zero:
            assert abs(e.sum() - 1.0) < 1e-12
        dn = np.sqrt(R.fro2(d))
        per_model.append({
            "mode_band_energy": [R.mode_band_energy(mz, d, nn) for nn, mz in enumerate(modes)],
            "channel_energy_map": fmat(e),
            "delta_norm": float(dn),
            "relative_norm": float(dn / wnorm),
            "zero_update": bool(zero),
        })
    out = {
        "modes": [{
            "mode": nn,
            "dim": int(mz["dim"]),
            "rank": int(mz["r"]),
            "singular_values": flist(mz["sigma"]),
            "zone_k": int(mz["k"]),
            "zone_dims": R.zone_dims_3(mz["dim"], mz["r"], mz["k"]),
        } for nn, mz in enumerate(modes)],
        "w_norm": float(wnorm),
        "per_model": per_model,
        "cosine": [[R.cosine(a, b) for b in deltas] for a in deltas],
    }
    if w.shape[2:] == (1,) * (w.ndim - 2):
        # 1x1 convolution: the channel map must equal the 2-D map of the squeezed out x in matrix.
        w2 = w.reshape(w.shape[0], w.shape[1])
        d2 = [R.f64(d).reshape(w.shape[0], w.shape[1]) for d in deltas]
        mat = analyze_matrix(w2, d2, opts)
        for pm, pm2 in zip(per_model, mat["per_model"]):
            assert np.allclose(pm["channel_energy_map"], pm2["energy_map"], atol=1e-12), \
                "1x1 conv channel map differs from the squeezed 2-D map"
        assert mat["zone_k"] == modes[0]["k"]
        out["matrix_equivalent"] = {
            "zone_k": mat["zone_k"],
            "energy_map": [pm2["energy_map"] for pm2 in mat["per_model"]],
        }
    return out


# ----------------------------------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------------------------------

def case_square():
    rng = np.random.default_rng(1201)
    sigma = [9.0, 7.4, 6.1, 5.2, 4.4, 3.7, 3.1, 2.55, 2.05, 1.6, 1.2, 0.8]
    w = f32(with_spectrum(rng, 12, 12, sigma))
    u, s, v = base_svd(w)
    k = R.zone_k(s)
    x = 0.4 * rng.standard_normal((k, k))
    d0 = f32(u[:, :k] @ x @ v[:, :k].T + 0.02 * rng.standard_normal((12, 12)))
    y = 0.4 * rng.standard_normal((12 - k, 12 - k))
    d1 = f32(u[:, k:] @ y @ v[:, k:].T + 0.02 * rng.standard_normal((12, 12)))
    d2 = f32(0.8 * d0.astype(np.float64) + 0.1 * rng.standard_normal((12, 12)))
    return {
        "case": "square_12x12_T3",
        "description": (
            "Square 12x12 base with a distinct decaying spectrum (no tail zones: m = n = r). "
            "Update 0 is written into the top zone (U_top X V_top^T plus small noise), update 1 into the "
            "mid zone (U_mid Y V_mid^T plus small noise), update 2 = 0.8 * update 0 + noise, so it "
            "interferes with update 0 (high cosine, interference near 1, small principal angles)."),
        "base": w, "updates": [d0, d1, d2],
    }


def case_tall():
    rng = np.random.default_rng(2008)
    w = f32(rng.standard_normal((20, 8)))
    u, s, v = base_svd(w)
    d0 = f32(0.05 * rng.standard_normal((20, 8)))
    z = u[:, 8:] @ rng.standard_normal(12)
    z /= np.linalg.norm(z)
    y = rng.standard_normal(8)
    y /= np.linalg.norm(y)
    d1 = f32(1.3 * s[0] * np.outer(z, y) + 0.02 * rng.standard_normal((20, 8)))
    return {
        "case": "tall_20x8_T2",
        "description": (
            "Tall 20x8 base (left tail zone of dimension 12). Update 0 is small dense noise (spreads "
            "roughly like the random baseline); update 1 is a strong rank-1 spike whose left vector lies "
            "in the left tail (orthogonal complement of U), so its energy sits in E[tail][*] and the top "
            "left singular vector of W + dW is an intruder (max |cos| < 0.5)."),
        "base": w, "updates": [d0, d1],
    }


def case_wide():
    rng = np.random.default_rng(820)
    w = f32(rng.standard_normal((8, 20)))
    u, s, v = base_svd(w)
    zz = 0.3 * rng.standard_normal((8, 12))
    d0 = f32(u[:, :8] @ zz @ v[:, 8:].T + 0.01 * rng.standard_normal((8, 20)))
    d1 = f32(0.05 * rng.standard_normal((8, 20)))
    return {
        "case": "wide_8x20_T2",
        "description": (
            "Wide 8x20 base (right tail zone of dimension 12, no left tail). Update 0 writes into the right "
            "tail (U Z V_perp^T, V_perp the complement of V's 8 columns) plus small noise; update 1 is small "
            "dense noise."),
        "base": w, "updates": [d0, d1],
    }


def case_rank_deficient():
    rng = np.random.default_rng(1414)
    sig_a = [12.0, 10.0, 8.5, 7.0, 6.0, 5.0, 4.2, 3.3, 3.0, 2.6]
    a = with_spectrum(rng, 10, 10, sig_a)
    w = np.zeros((14, 14))
    w[:10, :10] = a
    w[10:12, 10:12] = [[0.0, 2.0], [2.0, 0.0]]  # singular values exactly 2, 2
    # rows/cols 12, 13 stay zero: singular values exactly 0, 0
    pr, pc = rng.permutation(14), rng.permutation(14)
    sr, sc = rng.choice([-1.0, 1.0], 14), rng.choice([-1.0, 1.0], 14)
    w = (sr[:, None] * w[pr][:, pc]) * sc[None, :]  # signed permutations keep the float32 values exact
    w = f32(w)
    d0 = f32(0.05 * rng.standard_normal((14, 14)))
    # update 1 lives in the rows/columns that carry the zero singular values (the null spaces of W)
    null_rows = [i for i in range(14) if pr[i] in (12, 13)]
    null_cols = [j for j in range(14) if pc[j] in (12, 13)]
    d1 = 0.01 * rng.standard_normal((14, 14))
    for i in null_rows:
        for j in null_cols:
            d1[i, j] += 0.4 * rng.standard_normal()
    d1 = f32(d1)
    return {
        "case": "rank_deficient_14x14_T2",
        "description": (
            "Square 14x14 base of rank 12, built exactly in float32 as a signed permutation of "
            "blockdiag(A, 2*[[0,1],[1,0]], 0_2): singular values are those of A (10 distinct values > 2.6), "
            "then exactly 2, 2 (a repeated pair) and exactly 0, 0. Inside a cluster of equal singular values "
            "the singular vectors are not unique, so a zone boundary inside a cluster would make the zone "
            "energies basis-dependent; here every zone cut (sigma-sum k, energy-rule k, explicit k, the "
            "4-way k1, k2) falls strictly between distinct values and both clusters lie inside one zone "
            "(mid for the 3-zone split, low for the 4-way split), so all projectors are unique. W is square, "
            "so the zero-singular-value directions are the whole null spaces and the thin U, V are complete "
            "(an m != n base with zero singular values would make the mid/tail split basis-dependent). "
            "Intruder max-cos values are basis-independent because every top-10 vector of W + dW is closest "
            "to a non-degenerate base vector (checked by the generator). Update 0 is dense noise; update 1 "
            "lives mostly in the rows/columns of the zero block (the null spaces of W)."),
        "base": w, "updates": [d0, d1],
    }


def case_zero():
    rng = np.random.default_rng(1006)
    w = f32(rng.standard_normal((10, 6)))
    return {
        "case": "zero_update_10x6_T1",
        "description": (
            "Tall 10x6 base with a single all-zero update. Energy maps, e_top/e_mid/e_mid_tail and "
            "baseline ratios are defined as 0 with zero_update = true; delta_norm = relative_norm = 0; "
            "the energy curve is all zeros and effective ranks are 0; W + dW = W so intruder max-cos are 1. "
            "T = 1, so interference/STI/principal angles are null and the cosine matrix is [[null]]."),
        "base": w, "updates": [np.zeros((10, 6), dtype=np.float32)],
    }


def case_dominant():
    rng = np.random.default_rng(1010)
    a = rng.standard_normal(10)
    a /= np.linalg.norm(a)
    b = rng.standard_normal(10)
    b /= np.linalg.norm(b)
    w = f32(40.0 * np.outer(a, b) + 0.8 * rng.standard_normal((10, 10)))
    d0 = f32(0.05 * rng.standard_normal((10, 10)))
    d1 = f32(2.0 * np.outer(a, b) + 0.05 * rng.standard_normal((10, 10)))
    return {
        "case": "dominant_sigma_10x10_T2",
        "description": (
            "k extreme: one dominant singular value (sigma_1 > sum of the rest) gives k = 1 under both the "
            "sigma-sum and the energy rule; the explicit rank 3 is kept; the 4-way split has k1 = 1. "
            "Update 0 is dense noise, update 1 is aligned with the dominant singular pair (E_I near 1)."),
        "base": w, "updates": [d0, d1],
    }


def case_row():
    rng = np.random.default_rng(112)
    w = f32(rng.standard_normal((1, 12)))
    d0 = f32(0.1 * rng.standard_normal((1, 12)))
    d1 = f32(0.2 * w.astype(np.float64) + 0.02 * rng.standard_normal((1, 12)))
    return {
        "case": "row_1x12_T2",
        "description": (
            "k extreme: W of shape 1x12, so r = 1 and k = 1 for every rule (explicit rank 3 clamps to 1, "
            "4-way k1 = k2 = 1); the mid zone is empty on both sides, the left tail is empty and the right "
            "tail has dimension 11. Update 0 is noise, update 1 is nearly parallel to W (E_I near 1). "
            "Intruder top t = min(10, r) = 1; STI fixed rank clamps to min(m, n) = 1."),
        "base": w, "updates": [d0, d1],
    }


def case_col():
    rng = np.random.default_rng(121)
    w = f32(rng.standard_normal((12, 1)))
    d0 = f32(0.1 * rng.standard_normal((12, 1)))
    d1 = f32(0.2 * w.astype(np.float64) + 0.02 * rng.standard_normal((12, 1)))
    return {
        "case": "col_12x1_T2",
        "description": (
            "k extreme: W of shape 12x1 (r = 1, k = 1, left tail of dimension 11, right tail empty). "
            "Update 0 is noise, update 1 is nearly parallel to W."),
        "base": w, "updates": [d0, d1],
    }


def case_lora():
    rng = np.random.default_rng(1603)
    w = f32(rng.standard_normal((16, 10)))
    a0 = f32(0.3 * rng.standard_normal((3, 10)))
    b0 = f32(0.1 * rng.standard_normal((16, 3)))
    a1 = f32(0.5 * a0.astype(np.float64) + 0.3 * rng.standard_normal((3, 10)))
    b1 = f32(0.1 * rng.standard_normal((16, 3)))
    return {
        "case": "lora_16x10_T2_q3",
        "description": (
            "LoRA family on a 16x10 base: dW_i = scale_i * B_i A_i with q = 3 (B 16x3, A 3x10), scales 2.0 "
            "and 0.5; compute dW in float64 from the float32 A, B. Adapter 1's A shares part of adapter 0's "
            "row space (A_1 = 0.5 A_0 + noise), so their right subspaces overlap. dW has rank 3: singular "
            "values beyond the third are rounding noise (~1e-17) and the energy curve is 1 from k = 3 on."),
        "base": w, "lora": [{"a": a0, "b": b0, "scale": 2.0}, {"a": a1, "b": b1, "scale": 0.5}],
    }


def case_conv():
    rng = np.random.default_rng(8633)
    w = f32(rng.standard_normal((8, 6, 3, 3)))
    d0 = f32(0.05 * rng.standard_normal((8, 6, 3, 3)))
    mz0 = R.mode_zones(w, 0)
    ut = mz0["u_full"][:, :mz0["k"]]
    d1 = f32(0.1 * R.mode_product(w, ut @ ut.T, 0) + 0.01 * rng.standard_normal((8, 6, 3, 3)))
    return {
        "case": "conv_8x6x3x3_T2",
        "description": (
            "4-D conv weight (out 8, in 6, kh 3, kw 3), FLoRA-style per-mode zones: mode-n unfolding "
            "X_(n) = moveaxis(X, n, 0).reshape(dim_n, -1), thin SVD, sigma-sum k per mode. Band energies per "
            "mode are ||U_B^T dW_(n)||^2 / ||dW||^2 (tail from the complement projector; all modes here have "
            "dim_n <= prod(other dims), so tails are empty). Channel map: out zones (mode 0) x in zones "
            "(mode 1), spatial modes whole. Update 0 is noise; update 1 = 0.1 * W projected on the mode-0 top "
            "zone plus noise (out-channel top band near 1)."),
        "base": w, "updates": [d0, d1],
    }


def case_conv1x1():
    rng = np.random.default_rng(8611)
    w = f32(rng.standard_normal((8, 6, 1, 1)))
    d0 = f32(0.05 * rng.standard_normal((8, 6, 1, 1)))
    w2 = R.f64(w).reshape(8, 6)
    u, s, v = base_svd(w2)
    d1 = f32((u[:, 6:] @ rng.standard_normal((2, 6)) * 0.2 + 0.01 * rng.standard_normal((8, 6))).reshape(8, 6, 1, 1))
    return {
        "case": "conv1x1_8x6x1x1_T2",
        "description": (
            "1x1 conv (8, 6, 1, 1): the mode-0 unfolding is the squeezed 8x6 matrix and the mode-1 unfolding "
            "its transpose, so the channel energy map must equal the 2-D energy map of the squeezed matrix "
            "(asserted by the generator; 'matrix_equivalent' holds the 2-D maps). Mode 0 has rank 6 < 8, so "
            "its tail band has dimension 2; update 1 writes mostly into that out-channel tail."),
        "base": w, "updates": [d0, d1],
    }


def case_concentrated():
    rng = np.random.default_rng(2424)
    sigma = [(1 + j / 10.0) ** -0.8 for j in range(48)]
    w = f32(with_spectrum(rng, 64, 48, sigma))

    def low_rank(values):
        return with_spectrum(rng, 64, 48, values)

    def noise():
        return 2.1e-4 * rng.standard_normal((64, 48))

    p0 = low_rank([0.3, 0.2, 0.12])
    d0 = f32(p0 + noise())
    d1 = f32(low_rank([0.25, 0.15, 0.1]) + noise())
    d2 = f32(0.8 * p0 + low_rank([0.09, 0.06, 0.036]) + noise())
    return {
        "case": "concentrated_64x48_T3",
        "description": (
            "Tall 64x48 base with a decaying spectrum and three concentrated updates (issue #24): rank-3 "
            "parts plus Gaussian noise holding ~0.1% of the energy, update 2 = 0.8 * update 0's rank-3 part "
            "+ its own rank-3 part. 99% of each update's energy lies in its first 3-6 directions, so the "
            "leading-spectrum path certifies; the numbers equal the complete reduction's."),
        "base": w, "updates": [d0, d1, d2],
    }


CASES = [case_square, case_tall, case_wide, case_rank_deficient, case_zero, case_dominant, case_row,
         case_col, case_lora, case_conv, case_conv1x1, case_concentrated]


def build(case_fn):
    c = case_fn()
    opts = dict(DEFAULT_OPTIONS)
    w = c["base"]
    doc = {"case": c["case"], "description": c["description"]}
    if "lora" in c:
        kind = "lora"
        deltas = [l["scale"] * (R.f64(l["b"]) @ R.f64(l["a"])) for l in c["lora"]]
        doc["kind"] = kind
        doc["base"] = tensor_json(w)
        doc["lora"] = [{"a": tensor_json(l["a"]), "b": tensor_json(l["b"]), "scale": float(l["scale"])}
                       for l in c["lora"]]
    else:
        kind = "tensor" if w.ndim > 2 else "matrix"
        deltas = [R.f64(d) for d in c["updates"]]
        doc["kind"] = kind
        doc["base"] = tensor_json(w)
        doc["updates"] = [tensor_json(d) for d in c["updates"]]
    doc["options"] = opts
    doc["expected"] = analyze_tensor(w, deltas, opts) if kind == "tensor" else analyze_matrix(w, deltas, opts)
    return doc


def render(doc):
    return json.dumps(doc, indent=1, allow_nan=False) + "\n"


def main():
    check = "--check" in sys.argv
    os.makedirs(OUT_DIR, exist_ok=True)
    changed = []
    for fn in CASES:
        doc = build(fn)
        text = render(doc)
        path = os.path.join(OUT_DIR, doc["case"] + ".json")
        old = open(path).read() if os.path.exists(path) else None
        if old != text:
            changed.append(path)
            if not check:
                with open(path, "w") as fh:
                    fh.write(text)
        summary(doc, len(text))
    # the real-model fixture, when the shared MiniLM family is on this machine
    import minilm_reference as M
    root = M.models_dir()
    if os.path.exists(os.path.join(root, "base", "model.safetensors")):
        doc, _ = M.build_doc(root)
        if M.write_doc(doc, check):
            changed.append(M.OUT)
    else:
        print(f"minilm: {root} not found, minilm.json left as is")
    if check and changed:
        print("would change:", *changed, sep="\n  ")
        sys.exit(1)
    print(("unchanged" if not changed else f"wrote {len(changed)} file(s)") + f" in {OUT_DIR}")


def summary(doc, size):
    e = doc["expected"]
    if doc["kind"] == "tensor":
        ks = [md["zone_k"] for md in e["modes"]]
        bands = [[round(x, 3) for x in pm["mode_band_energy"][0]] for pm in e["per_model"]]
        print(f"{doc['case']:28s} {size/1024:6.1f} KB  mode k={ks} mode-0 bands={bands}")
        return
    heads = [(round(pm["e_top"], 3), round(pm["e_mid"], 3), round(pm["e_mid_tail"], 3)) for pm in e["per_model"]]
    intr = [pm["intruders"] for pm in e["per_model"]]
    lam = e["lambda_star"]
    print(f"{doc['case']:28s} {size/1024:6.1f} KB  k={e['zone_k']} kE={e['zone_k_energy_rule']} "
          f"k4={e['zone_k_4way']} (E_I,E_II,E_II+III)={heads} intr={intr} "
          f"lam*={None if lam is None else round(lam, 4)} sti={None if e['sti'] is None else round(e['sti'], 4)}")


if __name__ == "__main__":
    main()
