#!/usr/bin/env python3
"""Independent numpy float64 check of SMILE's merged, Iso-C and TSV-M shared paths and balanced router (`upscale
--shared merged[:λ] | iso-c[:c] | tsv[:α] --expert-scale β --balanced-router`,
Sources/Analysis/Upscaling/SharedPath.swift, SmileGate.balanced).

    λ* (per layer, data-free, TaskInterference's task-arithmetic optimum):
        V_i = top r_i right singular vectors of dW_i, r_i the least rank holding 0.9 of ||dW_i||_F^2
        T = sum_j dW_j;  a_i = ||T V_i||^2,  b_i = <T V_i, dW_i V_i>,  c_i = ||dW_i V_i||^2
        λ* = (sum_i b_i / c_i) / (sum_i a_i / c_i)
    shared path:  W_s = W_pre + λ T,  b_s = b_pre + λ sum_j (b_j - b_pre)
    experts:      R_i = dW_i - λ T, cut exactly as FusionBench cuts dW_i (u = U_:k, svh = S_:k V_:k^T),
                  expert bias b_i - b_s; the router is FusionBench's, on dW_i (gate block i = V_i[:, :g]^T of dW_i)
    balanced:     c_i = ||W_pre G_i^T||_F (G_i = gate block i); block i scaled by mean(c) / c_i
    forward:      y = W_s x + b_s + sum_{i in top} w_i (u_i svh_i x + bias_i)   (FusionBench's forward)
    Iso-C path:   T = sum_j dW_j = U S V^T, d = its numerical rank (#{s > s_1 max(m, n) eps32}, as SubspaceMerge),
                  M = mean(s[:d]) U[:, :d] V[:, :d]^T;  W_s = W_pre + c M,  b_s = b_pre + c mean_j (b_j - b_pre),
                  R_i = dW_i - c M (experts cut as above), expert bias b_i - b_s; then every expert's u and
                  bias times β (its output scaled by β); the router as above, on dW_i
    TSV-M path:   the same with M = merge_methods_reference.restricted_tsv(dW) (each dW_i keeps its top
                  min(int(min(m, n)/T), rank_i) triplets, the stacked U and V^T replaced by their polar factors)
                  at coefficient α: W_s = W_pre + α M, b_s = b_pre + α mean_j (b_j - b_pre), R_i = dW_i - α M
    flatness:     phi = (sum s[:d])^2 / (d sum s[:d]^2) of T's singular values (--max-flatness: a layer with
                  phi above the limit is written as the plain linear W_s, b_s, the expected shared weight)

Writes Tests/AnalysisTests/Fixtures/upscale/smile_shared_path_reference.json (tiny layers as float32
values, inputs, expected λ, shared weight and bias, gate, outputs; float64); `--check` exits 1 if the file
would change. The SmileMoELinear semantics and the fixture helpers are those of smile_upscale_reference.py.
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smile_upscale_reference as ref  # noqa: E402
from merge_methods_reference import restricted_tsv  # noqa: E402

FIXTURE = os.path.join(ref.ROOT, "Tests", "AnalysisTests", "Fixtures", "upscale", "smile_shared_path_reference.json")
ENERGY = 0.9


def lambda_star(deltas):
    """The task-arithmetic optimum over input subspaces holding 0.9 of each update's energy."""
    total = sum(deltas)
    num = den = 0.0
    for d in deltas:
        _, s, vt = np.linalg.svd(d, full_matrices=False)
        if s[0] <= 0:
            continue
        curve = np.cumsum(s * s) / np.sum(s * s)
        r = int(np.argmax(curve >= ENERGY - 1e-12)) + 1
        v = vt[:r].T
        c = np.sum((d @ v) ** 2)
        num += np.sum((total @ v) * (d @ v)) / c
        den += np.sum((total @ v) ** 2) / c
    return num / den


def iso_c(deltas):
    """Iso-C's merged update of the dense updates, restricted to the sum's numerical rank."""
    total = sum(deltas)
    u, s, vt = np.linalg.svd(total, full_matrices=False)
    d = ref.numerical_rank(s, total.shape)
    if d == 0:
        return np.zeros_like(total)
    return np.mean(s[:d]) * (u[:, :d] @ vt[:d])


def flatness(deltas):
    """Spectral flatness of the summed update, (sum s)^2 / (d sum s^2) over its d numerically nonzero singular
    values (upscale --max-flatness); None when the sum is zero."""
    total = sum(deltas)
    s = np.linalg.svd(total, compute_uv=False)
    d = ref.numerical_rank(s, total.shape)
    if d == 0:
        return None
    s = s[:d]
    return float(np.sum(s) ** 2 / (d * np.sum(s * s)))


def split_layer(w_pre, b_pre, deltas, bias_deltas, k, gate_k, top_k, lam, balanced, shared="merged", beta=1.0):
    """The merged-shared-path layer (lam = None: λ*) or, with shared "iso-c" / "tsv", the Iso-C / TSV-M path
    at c = lam, as ref.smile_layer's dict, plus the coefficient."""
    if shared in ("iso-c", "tsv"):
        shift = lam * (iso_c(deltas) if shared == "iso-c" else restricted_tsv(deltas))
        bias_shift = None if b_pre is None else lam * sum(bias_deltas) / len(bias_deltas)
    else:
        lam = lambda_star(deltas) if lam is None else lam
        shift = lam * sum(deltas)
        bias_shift = None if b_pre is None else lam * sum(bias_deltas)
    w_s = w_pre + shift
    b_s = None if b_pre is None else b_pre + bias_shift
    residuals = [d - shift for d in deltas]
    res_bias = None if b_pre is None else [db - bias_shift for db in bias_deltas]
    layer = ref.smile_layer(w_s, b_s, residuals, res_bias, k, gate_k, top_k)
    for ex in layer["experts"]:
        ex["u"] = beta * ex["u"]
        if ex["bias"] is not None:
            ex["bias"] = beta * ex["bias"]
    # The router reads the updates themselves: gate block i = V_i[:, :g]^T of dW_i (FusionBench's gate).
    layer["gate"] = ref.smile_layer(w_pre, b_pre, deltas, bias_deltas, k, gate_k, top_k)["gate"]
    if balanced and len(deltas) > 1:
        g = layer["g"]
        scales = [np.linalg.norm(w_pre @ layer["gate"][i * g:(i + 1) * g].T) for i in range(len(deltas))]
        live = [c for c in scales if c > 0]
        mean = sum(live) / len(live)
        for i, c in enumerate(scales):
            if c > 0:
                layer["gate"][i * g:(i + 1) * g] *= mean / c
    return layer, lam, residuals


def make_case(name, seed, m, n, experts, k, gate_k, top_k, bias, lam, balanced, batch=12, shared="merged", beta=1.0):
    """experts: ("full", spectrum) or ("lora", rank, scale); a shared component is added to the full updates
    so the tasks overlap the way fine-tunes of one base do."""
    rng = np.random.default_rng(seed)
    w_pre = ref.f32(rng.standard_normal((m, n)) * 0.5)
    b_pre = ref.f32(rng.standard_normal(m) * 0.1) if bias else None
    common = ref.designed_delta(rng, m, n, [1.0, 0.5])
    models, deltas, bias_deltas = [], [], []
    for spec in experts:
        if spec[0] == "full":
            w_i = ref.f32(w_pre.astype(np.float64) + common + ref.designed_delta(rng, m, n, spec[1]))
            b_i = ref.f32(b_pre.astype(np.float64) + rng.standard_normal(m) * 0.05) if bias else None
            deltas.append(w_i.astype(np.float64) - w_pre.astype(np.float64))
            models.append({"kind": "full", "weight": ref.arr(w_i), "bias": ref.arr(b_i) if bias else None})
        else:
            _, q, scale = spec
            b_f = ref.f32(rng.standard_normal((m, q)) * 0.6)
            a_f = ref.f32(rng.standard_normal((q, n)) * 0.6)
            deltas.append(scale * (b_f.astype(np.float64) @ a_f.astype(np.float64)))
            b_i = b_pre
            models.append({"kind": "lora", "lora_b": ref.arr(b_f), "lora_a": ref.arr(a_f), "scale": scale, "bias": ref.arr(b_i) if bias else None})
        if bias:
            bias_deltas.append(b_i.astype(np.float64) - b_pre.astype(np.float64))
    w64 = w_pre.astype(np.float64)
    b64 = None if b_pre is None else b_pre.astype(np.float64)
    layer, lam_used, residuals = split_layer(w64, b64, deltas, bias_deltas, k, gate_k, top_k, lam, balanced, shared, beta)
    rows = []
    while len(rows) < batch:
        x = ref.f32(rng.standard_normal(n)).astype(np.float64)
        _, probs, _, _ = ref.route(layer, x[None, :])
        if ref.topk_margin(probs, top_k) > 1e-3:
            rows.append(x)
    x = np.stack(rows)
    logits, probs, selected, weights = ref.route(layer, x)
    return {
        "name": name, "k": k, "gate_k": gate_k, "top_k": top_k, "lambda": lam, "balanced": balanced,
        "shared": shared, "expert_scale": beta,
        "base": {"weight": ref.arr(w_pre), "bias": ref.arr(b_pre) if bias else None},
        "models": models,
        "inputs": ref.arr(x),
        "expected": {
            "lambda": lam_used,
            "flatness": flatness(deltas),
            "shared_weight": ref.arr(layer["w"]),
            "shared_bias": None if b_pre is None else ref.arr(layer["b"]),
            "k_layer": layer["k"],
            "gate": ref.arr(layer["gate"]),
            "residual_ranks": [ref.numerical_rank(np.linalg.svd(r, compute_uv=False), r.shape) for r in residuals],
            "logits": ref.arr(logits), "probabilities": ref.arr(probs), "selected": selected,
            "routing_weights": ref.arr(weights), "outputs": ref.arr(ref.forward(layer, x)),
            "expert_updates": [ref.arr(ex["u"] @ ex["svh"]) for ex in layer["experts"]],
            "expert_biases": None if b_pre is None else [ref.arr(ex["bias"]) for ex in layer["experts"]],
        },
    }


def build_fixture():
    spectra = [[1.5, 0.8, 0.4, 0.2], [1.3, 0.9, 0.3, 0.1], [1.6, 0.7, 0.35, 0.15]]
    cases = [
        make_case("lambda_star_full_rank_top1", 21, 6, 5, [("full", s) for s in spectra], 128, 2, 1, True, None, False),
        make_case("lambda_star_truncated_balanced_top2", 22, 7, 9, [("full", s) for s in spectra], 2, 2, 2, True, None, True),
        make_case("fixed_lambda_lora_no_bias", 23, 8, 6, [("lora", 2, 2.0), ("lora", 2, 1.5), ("lora", 3, 1.0)], 4, 2, 1, False, 0.4, True),
        make_case("lambda_zero_is_fusionbench", 24, 5, 6, [("full", s) for s in spectra[:2]], 3, 1, 1, True, 0.0, False),
        make_case("iso_c_full_c3_beta_half", 25, 7, 6, [("full", s) for s in spectra], 2, 2, 1, True, 3.0, False, shared="iso-c", beta=0.5),
        make_case("iso_c_full_rank_top2_beta_one", 26, 6, 8, [("full", s) for s in spectra], 128, 1, 2, True, 2.0, False, shared="iso-c", beta=1.0),
        # k 128 keeps every residual whole: M's flat spectrum makes a LoRA residual's σ repeat (σ̄ on M's
        # directions the adapter leaves alone), so a truncation there has no unique answer.
        make_case("iso_c_lora_low_rank_sum", 27, 9, 8, [("lora", 2, 2.0), ("lora", 2, 1.5), ("lora", 1, 1.0)], 128, 2, 1, True, 1.0, False,
                  shared="iso-c", beta=0.5),
        make_case("tsv_full_alpha1_beta_half", 28, 7, 6, [("full", s) for s in spectra], 2, 2, 1, True, 1.0, False, shared="tsv", beta=0.5),
        make_case("tsv_full_rank_top2_beta_one", 29, 6, 8, [("full", s) for s in spectra], 128, 1, 2, True, 0.7, False, shared="tsv", beta=1.0),
        make_case("tsv_lora_alpha_half_beta_quarter", 30, 9, 8, [("lora", 2, 2.0), ("lora", 2, 1.5), ("lora", 1, 1.0)], 128, 2, 1, True, 0.5, False,
                  shared="tsv", beta=0.25),
        make_case("tsv_lora_truncated_no_bias", 31, 10, 9, [("lora", 2, 2.0), ("lora", 3, 1.5), ("lora", 2, 1.0)], 3, 1, 1, False, 0.5, False,
                  shared="tsv", beta=0.5),
    ]
    return {"generator": "reference/smile_shared_path_reference.py",
            "semantics": "SMILE with shared path W_pre + λ ΣΔW_j, W_pre + c M_IsoC or W_pre + α M_TSV, experts on the residuals "
                         "(Iso-C, TSV-M: outputs times β), "
                         "router on ΔW_i; balanced router; float64",
            "cases": cases}


def main():
    text = json.dumps(build_fixture(), indent=1) + "\n"
    if "--check" in sys.argv[1:]:
        with open(FIXTURE) as f:
            same = f.read() == text
        print("up to date" if same else f"{FIXTURE} would change")
        return 0 if same else 1
    with open(FIXTURE, "w") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(FIXTURE, ref.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
