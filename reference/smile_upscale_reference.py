#!/usr/bin/env python3
"""Independent numpy float64 check of SMILE upscaling (`smile-inspect upscale`, Sources/Analysis/Upscaling).

The semantics are FusionBench's `SmileMoELinear` (fusion_bench/models/smile_moe/linear_from_module.py,
with routing_use_diff=True), re-derived here with numpy only:

    dW_i = W_i - W_pre = U_i diag(s_i) V_i^T                       (SVD in float64)
    expert i:  u = U_i[:, :k],  svh = diag(s_i[:k]) V_i[:, :k]^T,  bias = b_i - b_pre (no bias if b_pre is None)
    gate:      weights = [V_1[:, :g]^T; ...; V_E[:, :g]^T]         (E*g x in)
    logit_i(x) = || V_i[:, :g]^T x ||_2                           (FusionBench: .view(B, E, g).norm(p=2, dim=2))
    p = softmax(logits) over ALL experts; keep the top_k; renormalise  (softmax before top-k, as FusionBench)
    y = W_pre x + b_pre + sum_{i in top} w_i (u_i svh_i x + bias_i)

smile-inspect conventions checked as well: every expert of a layer keeps the same k = min(k_requested,
max_i numerical_rank_i) with numerical rank #{s_j > s_1 * max(m, n) * eps_float32}; gate rows beyond an
update's numerical rank are zero; with one expert the gate returns 1.

Two modes:

  python3 reference/smile_upscale_reference.py
      writes Tests/AnalysisTests/Fixtures/upscale/smile_forward_reference.json: tiny layers (base and
      fine-tuned weights as float32 values, one LoRA expert as factors), probe inputs, and the expected
      logits, probabilities, selected experts, routing weights, outputs and rank-k updates, all float64.
      The Swift test builds the layers from these inputs and compares within 1e-4 (CI needs no Python).
      `--check` exits 1 if the file would change.

  python3 reference/smile_upscale_reference.py --check-output DIR --base BASE --models M1 M2 ...
      reads an upscaled directory written by `smile-inspect upscale` (safetensors parsed here, sharded or
      not) and checks every upscaled module against SMILE recomputed from the base and fine-tuned
      checkpoints (full safetensors or PEFT LoRA adapters): names and shapes, pretrained tensors, expert
      biases, u @ svh against the rank-k truncation of dW_i, gate rows against V_i[:, :g] (up to sign), and
      the forward pass on random inputs.
"""

import argparse
import json
import os
import struct
import sys

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "Tests", "AnalysisTests", "Fixtures", "upscale", "smile_forward_reference.json")
EPS32 = float(np.finfo(np.float32).eps)


# ----------------------------------------------------------------------------------------------------
# SMILE in float64
# ----------------------------------------------------------------------------------------------------

def numerical_rank(s, shape):
    if len(s) == 0 or s[0] <= 0:
        return 0
    return int(np.sum(s > s[0] * max(shape) * EPS32))


def smile_layer(w_pre, b_pre, deltas, bias_deltas, k, gate_k, top_k):
    """The layer as a dict of float64 arrays; deltas are dense float64 dW_i."""
    m, n = w_pre.shape
    svds = [np.linalg.svd(d, full_matrices=False) for d in deltas]
    ranks = [numerical_rank(s, d.shape) for d, (_, s, _) in zip(deltas, svds)]
    k_layer = max(1, min(k, max(ranks)))
    g = min(gate_k, m, n)
    gate = np.zeros((len(deltas) * g, n))
    experts = []
    for i, ((u, s, vt), r) in enumerate(zip(svds, ranks)):
        keep = min(k_layer, len(s))
        eu = np.zeros((m, k_layer))
        esvh = np.zeros((k_layer, n))
        eu[:, :keep] = u[:, :keep]
        esvh[:keep] = s[:keep, None] * vt[:keep]
        experts.append({"u": eu, "svh": esvh, "bias": None if b_pre is None else bias_deltas[i]})
        rows = min(g, r)
        gate[i * g:i * g + rows] = vt[:rows]
    return {"w": w_pre, "b": b_pre, "gate": gate, "g": g, "experts": experts, "k": k_layer, "top_k": top_k}


def route(layer, x):
    """logits, probabilities, selected (most probable first, ties to the lower index), weights."""
    e = len(layer["experts"])
    if e == 1:
        logits = np.ones((x.shape[0], 1))
    else:
        proj = (x @ layer["gate"].T).reshape(x.shape[0], e, layer["g"])
        logits = np.sqrt(np.sum(proj * proj, axis=2))
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = z / z.sum(axis=1, keepdims=True)
    selected, weights = [], np.zeros_like(probs)
    for r in range(x.shape[0]):
        order = sorted(range(e), key=lambda i: (-probs[r, i], i))[:layer["top_k"]]
        mass = sum(probs[r, i] for i in order)
        for i in order:
            weights[r, i] = probs[r, i] / mass
        selected.append(order)
    return logits, probs, selected, weights


def forward(layer, x):
    y = x @ layer["w"].T
    if layer["b"] is not None:
        y = y + layer["b"]
    _, _, _, weights = route(layer, x)
    for i, ex in enumerate(layer["experts"]):
        delta = (x @ ex["svh"].T) @ ex["u"].T
        if ex["bias"] is not None:
            delta = delta + ex["bias"]
        y = y + weights[:, i:i + 1] * delta
    return y


def topk_margin(probs, top_k):
    """Smallest gap, over inputs, between the last kept and the first dropped probability."""
    e = probs.shape[1]
    if top_k >= e:
        return np.inf
    srt = -np.sort(-probs, axis=1)
    return float(np.min(srt[:, top_k - 1] - srt[:, top_k]))


# ----------------------------------------------------------------------------------------------------
# Fixture cases
# ----------------------------------------------------------------------------------------------------

def f32(a):
    return np.asarray(a, dtype=np.float32)


def arr(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


def orthonormal(rng, m, r):
    q, _ = np.linalg.qr(rng.standard_normal((m, r)))
    return q


def designed_delta(rng, m, n, spectrum):
    r = len(spectrum)
    return orthonormal(rng, m, r) @ np.diag(spectrum) @ orthonormal(rng, n, r).T


def make_case(name, seed, m, n, experts, k, gate_k, top_k, bias, batch=12, probes_from=None):
    """experts: list of ("full", spectrum) or ("lora", rank, scale)."""
    rng = np.random.default_rng(seed)
    w_pre = f32(rng.standard_normal((m, n)) * 0.5)
    b_pre = f32(rng.standard_normal(m) * 0.1) if bias else None
    models, deltas, bias_deltas = [], [], []
    for spec in experts:
        if spec[0] == "full":
            w_i = f32(w_pre.astype(np.float64) + designed_delta(rng, m, n, spec[1]))
            b_i = f32(b_pre.astype(np.float64) + rng.standard_normal(m) * 0.05) if bias else None
            deltas.append(w_i.astype(np.float64) - w_pre.astype(np.float64))
            models.append({"kind": "full", "weight": arr(w_i), "bias": arr(b_i) if bias else None})
        else:
            _, q, scale = spec
            b_f = f32(rng.standard_normal((m, q)) * 0.6)
            a_f = f32(rng.standard_normal((q, n)) * 0.6)
            deltas.append(scale * (b_f.astype(np.float64) @ a_f.astype(np.float64)))
            b_i = b_pre
            models.append({"kind": "lora", "lora_b": arr(b_f), "lora_a": arr(a_f), "scale": scale, "bias": arr(b_i) if bias else None})
        if bias:
            bias_deltas.append(b_i.astype(np.float64) - b_pre.astype(np.float64))
    layer = smile_layer(w_pre.astype(np.float64), None if b_pre is None else b_pre.astype(np.float64), deltas, bias_deltas, k, gate_k, top_k)
    # Inputs: half drawn from the experts' top gate subspaces, half generic; keep only inputs whose top-k
    # selection has a clear margin, so float32 rounding cannot change it.
    rows = []
    while len(rows) < batch:
        if len(rows) % 2 == 0:
            i = (len(rows) // 2) % len(deltas)
            g = layer["g"]
            basis = layer["gate"][i * g:(i + 1) * g]
            x = rng.standard_normal(g) @ basis + 0.05 * rng.standard_normal(n)
        else:
            x = rng.standard_normal(n)
        x = f32(x).astype(np.float64)
        _, probs, _, _ = route(layer, x[None, :])
        if topk_margin(probs, top_k) > 1e-3:
            rows.append(x)
    x = np.stack(rows)
    logits, probs, selected, weights = route(layer, x)
    y = forward(layer, x)
    full_update_outputs = [x @ (layer["w"] + d).T + (0 if b_pre is None else layer["b"] + (bias_deltas[i])) for i, d in enumerate(deltas)]
    return {
        "name": name,
        "k": k, "gate_k": gate_k, "top_k": top_k,
        "base": {"weight": arr(w_pre), "bias": arr(b_pre) if bias else None},
        "models": models,
        "inputs": arr(x),
        "expected": {
            "k_layer": layer["k"],
            "gate_rows_per_expert": layer["g"],
            "update_ranks": [numerical_rank(np.linalg.svd(d, compute_uv=False), d.shape) for d in deltas],
            "logits": arr(logits),
            "probabilities": arr(probs),
            "selected": selected,
            "routing_weights": arr(weights),
            "outputs": arr(y),
            "expert_updates": [arr(ex["u"] @ ex["svh"]) for ex in layer["experts"]],
            "fine_tuned_outputs": [arr(o) for o in full_update_outputs],
        },
    }


def hand_case():
    """Two 2x2 experts whose routing and outputs are worked out by hand in the Swift test."""
    w_pre = np.eye(2)
    b_pre = np.zeros(2)
    models = [
        {"kind": "full", "weight": arr(w_pre + np.diag([2.0, 0.0])), "bias": arr([1.0, 0.0])},
        {"kind": "full", "weight": arr(w_pre + np.diag([0.0, 3.0])), "bias": arr([0.0, 1.0])},
    ]
    deltas = [np.diag([2.0, 0.0]), np.diag([0.0, 3.0])]
    layer = smile_layer(w_pre, b_pre, deltas, [np.array([1.0, 0.0]), np.array([0.0, 1.0])], 128, 1, 2)
    x = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [3.0, 1.0]])
    logits, probs, selected, weights = route(layer, x)
    return {
        "name": "hand_two_experts_top2",
        "k": 128, "gate_k": 1, "top_k": 2,
        "base": {"weight": arr(w_pre), "bias": arr(b_pre)},
        "models": models,
        "inputs": arr(x),
        "expected": {
            "k_layer": layer["k"], "gate_rows_per_expert": 1, "update_ranks": [1, 1],
            "logits": arr(logits), "probabilities": arr(probs), "selected": selected,
            "routing_weights": arr(weights), "outputs": arr(forward(layer, x)),
            "expert_updates": [arr(ex["u"] @ ex["svh"]) for ex in layer["experts"]],
            "fine_tuned_outputs": [arr(x @ (w_pre + d).T + b) for d, b in zip(deltas, [np.array([1.0, 0.0]), np.array([0.0, 1.0])])],
        },
    }


def build_fixture():
    cases = [
        hand_case(),
        make_case("full_rank_top1", 11, 5, 4, [("full", [2.0, 1.1, 0.6, 0.3]), ("full", [1.8, 0.9, 0.5, 0.2])], 128, 1, 1, True),
        make_case("truncated_three_experts_top2", 12, 6, 7, [("full", [2.0, 1.0, 0.4, 0.2, 0.1, 0.05]),
                                                             ("full", [1.5, 1.2, 0.5, 0.25, 0.12, 0.06]),
                                                             ("full", [2.2, 0.8, 0.3, 0.15, 0.08, 0.04])], 2, 2, 2, True),
        make_case("lora_mixed_no_bias", 13, 8, 6, [("lora", 2, 2.0), ("full", [1.6, 0.9, 0.5, 0.3, 0.2, 0.1]),
                                                   ("full", [1.4, 1.0, 0.6, 0.35, 0.18, 0.09])], 3, 3, 2, False),
        make_case("single_expert", 14, 4, 5, [("full", [1.5, 0.7, 0.3, 0.1])], 2, 1, 1, True),
    ]
    return {
        "generator": "reference/smile_upscale_reference.py",
        "semantics": "FusionBench SmileMoELinear (fusion_bench/models/smile_moe/linear_from_module.py), float64",
        "cases": cases,
    }


def write_fixture(check):
    text = json.dumps(build_fixture(), indent=1) + "\n"
    if check:
        with open(FIXTURE) as f:
            same = f.read() == text
        print("up to date" if same else f"{FIXTURE} would change")
        return 0 if same else 1
    os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
    with open(FIXTURE, "w") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(FIXTURE, ROOT)}")
    return 0


# ----------------------------------------------------------------------------------------------------
# Checking a written directory
# ----------------------------------------------------------------------------------------------------

def bf16_to_f32(raw):
    return (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)


def read_safetensors(path):
    """name -> float64 array, parsed from the bytes (F32, F16, BF16, F64)."""
    out = {}
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = data[begin:end]
        kind = entry["dtype"]
        if kind == "BF16":
            values = bf16_to_f32(raw)
        else:
            values = np.frombuffer(raw, dtype={"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8"}[kind])
        out[name] = values.astype(np.float64).reshape(entry["shape"])
    return out


def read_checkpoint(path):
    if os.path.isfile(path):
        return read_safetensors(path)
    single = os.path.join(path, "model.safetensors")
    if os.path.exists(single):
        return read_safetensors(single)
    with open(os.path.join(path, "model.safetensors.index.json")) as f:
        index = json.load(f)
    tensors = {}
    for shard in sorted(set(index["weight_map"].values())):
        tensors.update(read_safetensors(os.path.join(path, shard)))
    assert set(tensors) == set(index["weight_map"]), "shards and index disagree"
    return tensors


def read_model(path, base):
    """A fine-tuned model as a full name -> array dict (LoRA: base + scale * B @ A on adapted weights)."""
    config_path = os.path.join(path, "adapter_config.json")
    if not os.path.exists(config_path):
        return read_checkpoint(path)
    with open(config_path) as f:
        config = json.load(f)
    assert not config.get("use_rslora") and not config.get("fan_in_fan_out")
    assert not config.get("rank_pattern") and not config.get("alpha_pattern")
    scale = config["lora_alpha"] / config["r"]
    adapter = read_safetensors(os.path.join(path, "adapter_model.safetensors"))
    model = dict(base)
    for name in adapter:
        if ".lora_A." not in name:
            continue
        module = name.split(".lora_A.")[0]
        a, b = adapter[name], adapter[name.replace(".lora_A.", ".lora_B.")]
        matches = [w for w in base if w.endswith(".weight") and module.endswith(w[:-len(".weight")])]
        target = max(matches, key=len)
        model[target] = base[target] + scale * (b @ a)
    return model


def check_output(directory, base_path, model_paths, samples=16, seed=5):
    with open(os.path.join(directory, "smile_config.json")) as f:
        config = json.load(f)
    out = read_checkpoint(directory)
    base = read_checkpoint(base_path)
    models = [read_model(p, base) for p in model_paths]
    e = len(models)
    assert len(config["experts"]) == e, "expert count differs from --models"
    rng = np.random.default_rng(seed)
    worst = {"u_svh": 0.0, "gate": 0.0, "forward": 0.0, "bias": 0.0}
    for module in config["modules"]:
        x_name, k, g, top_k = module["module"], module["k"], module["gate_k"], config["top_k"]
        w_pre = base[x_name + ".weight"]
        b_pre = base.get(x_name + ".bias")
        m, n = w_pre.shape
        assert out[x_name + ".gate.weights"].shape == (e * g, n)
        deltas = [mo[x_name + ".weight"] - w_pre for mo in models]
        bias_deltas = [mo[x_name + ".bias"] - b_pre for mo in models] if b_pre is not None else None
        lam = module.get("shared_lambda") or 0.0
        path = config.get("shared_path") or "pretrained"
        beta = config.get("expert_scale") or 1.0
        if lam or config.get("balanced_router") or beta != 1.0:
            # Merged, Iso-C or TSV-M shared path, expert scale, balanced router: smile_shared_path_reference.py's layer.
            import smile_shared_path_reference as shared
            fixed = None if path == "merged" else lam
            kind = "iso-c" if path.startswith("iso-c") else "tsv" if path.startswith("tsv") else "merged"
            ref, lam_ref, deltas = shared.split_layer(w_pre, b_pre, deltas, bias_deltas, k, g, top_k, fixed, bool(config.get("balanced_router")), kind, beta)
            worst["lambda"] = max(worst.get("lambda", 0.0), abs(lam_ref - lam))
            if b_pre is not None:
                bias_deltas = [ex["bias"] for ex in ref["experts"]]
            worst["shared"] = max(worst.get("shared", 0.0), float(np.max(np.abs(out[x_name + ".pretrained_model.weight"] - ref["w"]))))
        else:
            assert np.array_equal(out[x_name + ".pretrained_model.weight"], w_pre)
            ref = smile_layer(w_pre, b_pre, deltas, bias_deltas, k, g, top_k)
        assert ref["k"] == k, f"{x_name}: k {k} but the reference picks {ref['k']}"
        written = {"w": out[x_name + ".pretrained_model.weight"], "b": out.get(x_name + ".pretrained_model.bias"), "g": g, "top_k": top_k, "k": k,
                   "gate": out[x_name + ".gate.weights"], "experts": []}
        for i in range(e):
            u, svh = out[f"{x_name}.experts.{i}.u"], out[f"{x_name}.experts.{i}.svh"]
            assert u.shape == (m, k) and svh.shape == (k, n)
            bias = out.get(f"{x_name}.experts.{i}.bias")
            assert (bias is None) == (b_pre is None)
            if bias is not None:
                worst["bias"] = max(worst["bias"], float(np.max(np.abs(bias - bias_deltas[i]))))
            scale = max(1e-12, float(np.linalg.norm(deltas[i])))
            worst["u_svh"] = max(worst["u_svh"], float(np.linalg.norm(u @ svh - ref["experts"][i]["u"] @ ref["experts"][i]["svh"])) / scale)
            written["experts"].append({"u": u, "svh": svh, "bias": bias})
        for i in range(e):
            for j in range(g):
                row, expect = written["gate"][i * g + j], ref["gate"][i * g + j]
                if np.linalg.norm(expect) > 0:
                    worst["gate"] = max(worst["gate"], 1 - abs(float(row @ expect)) / float(expect @ expect))
        x = rng.standard_normal((samples, n))
        _, probs, _, _ = route(ref, x)
        keep = probs.shape[1] <= top_k or np.sort(probs, axis=1)[:, -top_k] - np.sort(probs, axis=1)[:, -top_k - 1] > 1e-3
        x = x[keep] if np.ndim(keep) else x
        y_ref, y_out = forward(ref, x), forward(written, x)
        worst["forward"] = max(worst["forward"], float(np.max(np.abs(y_out - y_ref)) / max(1e-12, np.max(np.abs(y_ref)))))
    names = set(out)
    for module in config["modules"]:
        names -= {n for n in out if n.startswith(module["module"] + ".")}
    assert names == set(base) - {mo["module"] + s for mo in config["modules"] for s in (".weight", ".bias")}, "other tensors differ from the base's"
    policy, others = config["other_tensors"]["policy"], config["other_tensors"]
    plain_weights = {p + ".weight" for p in config["plain_linear"]}
    for name in names:
        if name in others["from_base"] or name in plain_weights:
            expect = base[name]
        elif policy == "average":
            expect = sum(mo[name] for mo in models) / e
        elif policy == "base":
            expect = base[name]
        else:
            expect = models[[x["task"] for x in config["experts"]].index(others["model"])][name]
        worst["others"] = max(worst.get("others", 0.0), float(np.max(np.abs(out[name] - expect), initial=0.0)))
    print(f"{len(config['modules'])} modules checked; {len(names)} other tensors checked ({policy})")
    for key, value in worst.items():
        print(f"  worst {key:8s} {value:.3e}")
    ok = worst["u_svh"] < 1e-4 and worst["gate"] < 1e-4 and worst["forward"] < 1e-4 and worst["bias"] < 1e-6 and worst.get("others", 0) < 1e-6 \
        and worst.get("lambda", 0) < 1e-4 and worst.get("shared", 0) < 1e-5
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the fixture would change")
    parser.add_argument("--check-output", metavar="DIR", help="check an upscaled directory instead")
    parser.add_argument("--base")
    parser.add_argument("--models", nargs="+")
    args = parser.parse_args()
    if args.check_output:
        if not args.base or not args.models:
            parser.error("--check-output needs --base and --models")
        return check_output(args.check_output, args.base, args.models)
    return write_fixture(args.check)


if __name__ == "__main__":
    sys.exit(main())
