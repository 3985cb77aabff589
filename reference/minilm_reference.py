#!/usr/bin/env python3
"""Reference values on the real all-MiniLM-L6-v2 family (base + 3 full fine-tunes + 3 LoRA adapters).

    python3 reference/minilm_reference.py [--models DIR]

Writes Tests/AnalysisTests/Fixtures/reference/minilm.json and prints how the weight signals line up with
the measured task-arithmetic merges in DIR/merges.json (the table quoted in reference/PEERS.md).
DIR defaults to $SMILE_MINILM_DIR or ../shared/models/minilm-l6 beside the repository.

Safetensors are parsed with numpy only: 8-byte little-endian header length, JSON header
{name: {dtype, shape, data_offsets: [begin, end]}} with offsets relative to the end of the header.
LoRA: dW = (lora_alpha / r) * B A with base_model.model.<module>.lora_A.weight (r x in) and
lora_B.weight (out x r) mapping to <module>.weight.
"""

import json
import os
import struct
import sys

sys.dont_write_bytecode = True  # keep reference/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smile_ref as R  # noqa: E402
import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "AnalysisTests", "Fixtures", "reference", "minilm.json")
TASKS = ["mansec", "codelang", "pyeco"]
LAYERS = [
    "encoder.layer.0.attention.self.query.weight",
    "encoder.layer.5.intermediate.dense.weight",
    "encoder.layer.5.output.dense.weight",
]
LAMBDAS = [0.3, 0.5, 0.7, 1.0]


def models_dir():
    for i, a in enumerate(sys.argv):
        if a == "--models" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
    return os.environ.get("SMILE_MINILM_DIR") or os.path.join(os.path.dirname(ROOT), "shared", "models", "minilm-l6")


def load_safetensors(path):
    with open(path, "rb") as fh:
        buf = fh.read()
    (hlen,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + hlen].decode("utf-8"))
    start = 8 + hlen
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (name, info["dtype"])
        b, e = info["data_offsets"]
        count = int(np.prod(info["shape"])) if info["shape"] else 1
        assert e - b == 4 * count
        out[name] = np.frombuffer(buf, dtype="<f4", count=count, offset=start + b).reshape(info["shape"]).copy()
    return out


def load_family(root):
    base = load_safetensors(os.path.join(root, "base", "model.safetensors"))
    full = {t: load_safetensors(os.path.join(root, f"full-{t}", "model.safetensors")) for t in TASKS}
    lora = {}
    for t in TASKS:
        d = os.path.join(root, f"lora-{t}")
        cfg = json.load(open(os.path.join(d, "adapter_config.json")))
        scale = cfg["lora_alpha"] / cfg["r"]
        tensors = load_safetensors(os.path.join(d, "adapter_model.safetensors"))
        deltas = {}
        prefix = "base_model.model."
        for name in tensors:
            if name.endswith(".lora_A.weight"):
                module = name[len(prefix):-len(".lora_A.weight")]
                a = R.f64(tensors[name])
                b = R.f64(tensors[prefix + module + ".lora_B.weight"])
                deltas[module + ".weight"] = scale * (b @ a)
        lora[t] = {"scale": scale, "deltas": deltas}
    return base, full, lora


def family_deltas(base, full, lora, family, name):
    if family == "full":
        return [R.f64(full[t][name]) - R.f64(base[name]) for t in TASKS]
    return [lora[t]["deltas"][name] for t in TASKS]


def layer_analysis(w, deltas):
    w = R.f64(w)
    m, n = w.shape
    r = min(m, n)
    u_full, s, vt_full = R.full_svd(w)
    v_full = vt_full.T
    k = R.zone_k(s)
    # the reported numbers must not hinge on rounding: threshold margins and gaps at every cut
    assert R.zone_margin(s, 0.5) > 1e-6 and (s[k - 1] - s[k]) / s[0] > 1e-6
    for d in deltas:
        sd = R.singular_values(d)
        r90 = R.effective_rank(sd, 0.9)
        assert min(R.effective_rank_margin(sd, 0.9), R.effective_rank_margin(sd, 0.99)) > 1e-9
        assert (sd[r90 - 1] - sd[r90]) / sd[0] > 1e-6
        assert R.intruders_well_defined(w, d)
    pl, pr = R.zone_projectors_3(u_full, r, k), R.zone_projectors_3(v_full, r, k)
    base3 = R.random_baseline(R.zone_dims_3(m, r, k), R.zone_dims_3(n, r, k), m, n)
    wnorm = np.sqrt(R.fro2(w))
    per_model = []
    for d in deltas:
        e, zero = R.block_energy_map(pl, pr, d)
        sd = R.singular_values(d)
        maxcos, idx, _ = R.intruders(w, d)
        dn = np.sqrt(R.fro2(d))
        per_model.append({
            "energy_map": [[float(x) for x in row] for row in e],
            "baseline_ratio": R.baseline_ratio(e, base3),
            "e_top": float(e[0, 0]),
            "e_mid": float(e[1, 1]),
            "e_mid_tail": float(e[1, 1] + e[1, 2] + e[2, 1] + e[2, 2]),
            "delta_norm": float(dn),
            "relative_norm": float(dn / wnorm),
            "effective_rank_90": R.effective_rank(sd, 0.9),
            "effective_rank_99": R.effective_rank(sd, 0.99),
            "intruder_max_cos": [float(x) for x in maxcos],
            "intruders": idx,
            "zero_update": bool(zero),
        })
    it = R.interference(deltas, LAMBDAS)
    return {
        "zone_k": k,
        "per_model": per_model,
        "interference": it["matrix"],
        "interference_ranks": it["ranks"],
        "ta_coefficients": {key: [float(x) for x in it[key]] for key in ("a", "b", "c")},
        "lambda_star": it["lambda_star"],
        "residuals_at_lambda_star": [float(x) for x in it["residuals_at_lambda_star"]],
        "residuals_by_lambda": {key: [float(x) for x in v] for key, v in it["residuals_by_lambda"].items()},
        "cosine": [[R.cosine(a, b) for b in deltas] for a in deltas],
    }


def global_cosine(vectors):
    """vectors: per task, list of 2-D deltas (same order); cosine of the concatenated task vectors."""
    t = len(vectors)
    g = np.zeros((t, t))
    for i in range(t):
        for j in range(t):
            g[i, j] = sum(float(np.sum(a * b)) for a, b in zip(vectors[i], vectors[j]))
    return [[float(g[i, j] / np.sqrt(g[i, i] * g[j, j])) for j in range(t)] for i in range(t)]


def build_doc(root):
    base, full, lora = load_family(root)
    two_d = sorted(n for n, v in base.items() if n.endswith(".weight") and v.ndim == 2)
    lora_modules = sorted(lora[TASKS[0]]["deltas"])
    assert lora_modules == two_d, "LoRA adapters are expected to cover every 2-D weight of the slice"

    layers = {}
    for name in LAYERS:
        w = base[name]
        s = R.singular_values(w)
        layers[name] = {
            "shape": list(w.shape),
            "singular_values": [float(x) for x in s],
            "zone_k": R.zone_k(s),
            "families": {fam: layer_analysis(w, family_deltas(base, full, lora, fam, name))
                         for fam in ("full", "lora")},
        }
        layers[name]["families"]["full"]["tasks"] = TASKS
        layers[name]["families"]["lora"]["tasks"] = TASKS

    gcos = {fam: global_cosine([[family_deltas(base, full, lora, fam, n)[i] for n in two_d]
                                for i in range(len(TASKS))]) for fam in ("full", "lora")}
    doc = {
        "case": "minilm",
        "description": (
            "Real all-MiniLM-L6-v2 slice (layers 0 and 5) with 3 full fine-tunes and 3 LoRA adapters "
            "(r = 8, alpha = 16, scale 2). Inputs are read from the shared models folder "
            "(SMILE_MINILM_DIR). Full family: dW = W_ft - W_base in float64 from the float32 tensors; LoRA "
            "family: dW = scale * B A. Global cosines are over all 2-D .weight tensors of the slice "
            "(the 12 matrices; for LoRA, the 12 adapted modules' dW)."),
        "kind": "minilm",
        "tasks": TASKS,
        "lora_scale": lora[TASKS[0]]["scale"],
        "options": {"fraction": 0.5, "zone_rule": "sigma-sum", "interference_fraction": 0.9,
                    "lambdas": LAMBDAS, "intruder_top": 10, "intruder_threshold": 0.5},
        "global_weights": two_d,
        "expected": {"layers": layers, "global_cosine": gcos},
    }
    return doc, (base, full, lora, two_d)


def write_doc(doc, check):
    """Write minilm.json (or, with check, report whether it would change). Returns True if changed."""
    text = json.dumps(doc, indent=1, allow_nan=False) + "\n"
    old = open(OUT).read() if os.path.exists(OUT) else None
    if old != text and not check:
        with open(OUT, "w") as fh:
            fh.write(text)
    state = "unchanged" if old == text else ("would change" if check else "wrote")
    print(f"{'minilm':28s} {len(text)/1024:6.1f} KB  {state}")
    return old != text


def main():
    root = models_dir()
    doc, (base, full, lora, two_d) = build_doc(root)
    changed = write_doc(doc, "--check" in sys.argv)
    L, G = doc["expected"]["layers"], doc["expected"]["global_cosine"]
    print_summary(L, G)
    if "--no-table" not in sys.argv:
        print_merge_table(root, base, full, lora, two_d, G)
    if changed and "--check" in sys.argv:
        sys.exit(1)


def print_summary(layers, gcos):
    for name, L in layers.items():
        print(f"\n{name}  shape={L['shape']}  k={L['zone_k']}")
        for fam, F in L["families"].items():
            heads = [f"({p['e_top']:.3f},{p['e_mid']:.3f},{p['e_mid_tail']:.3f}) r90={p['effective_rank_90']} "
                     f"|dW|={p['delta_norm']:.4f} intr={p['intruders']}" for p in F["per_model"]]
            print(f"  {fam:4s} lam*={F['lambda_star']:.4f} res*={[round(x, 4) for x in F['residuals_at_lambda_star']]}")
            for t, h in zip(TASKS, heads):
                print(f"       {t:9s} {h}")
    for fam in gcos:
        print(f"global cosine {fam}: {[[round(x, 4) for x in row] for row in gcos[fam]]}")


def print_merge_table(root, base, full, lora, two_d, gcos):
    merges = json.load(open(os.path.join(root, "merges.json")))
    fam_key = {"full": "full-*", "lora": "lora-*"}
    subsets = [("mansec", "codelang"), ("mansec", "pyeco"), ("codelang", "pyeco"), ("mansec", "codelang", "pyeco")]
    print("\n| family | merge | best λ (measured) | mean norm. acc @best | worst task @best | mean λ* (3 layers) "
          "| mean residual @λ* (3 layers) | mean residual @λ* (12 weights) | mean residual @0.5 (12 weights) "
          "| mean global cosine | mean E_I (3 layers) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for fam in ("full", "lora"):
        cache = {n: family_deltas(base, full, lora, fam, n) for n in two_d}
        e_top = {}
        for n in LAYERS:
            w = R.f64(base[n])
            u_full, s, vt_full = R.full_svd(w)
            k = R.zone_k(s)
            uk, vk = u_full[:, :k], vt_full[:k].T
            e_top[n] = [R.fro2(uk.T @ d @ vk) / R.fro2(d) for d in cache[n]]
        for sub in subsets:
            idx = [TASKS.index(t) for t in sub]
            res3, lam3 = [], []
            for n in LAYERS:
                it = R.interference([cache[n][i] for i in idx], LAMBDAS)
                res3.append(float(np.mean(it["residuals_at_lambda_star"])))
                lam3.append(it["lambda_star"])
            res12, res12_05 = [], []
            for n in two_d:
                it = R.interference([cache[n][i] for i in idx], LAMBDAS)
                res12.append(float(np.mean(it["residuals_at_lambda_star"])))
                res12_05.append(float(np.mean(it["residuals_by_lambda"]["0.5"])))
            cos = [gcos[fam][a][b] for ai, a in enumerate(idx) for b in idx[ai + 1:]]
            eI = [e_top[n][i] for n in LAYERS for i in idx]
            mk = "+".join(sub)
            mm = merges["families"][fam_key[fam]]["merges"][mk]
            print(f"| {fam} | {mk} | {mm['best_lambda']} | {mm['mean_normalized_at_best']:.3f} | "
                  f"{mm['worst_task_normalized_at_best']:.3f} | {np.mean(lam3):.3f} | {np.mean(res3):.4f} | "
                  f"{np.mean(res12):.4f} | {np.mean(res12_05):.4f} | {np.mean(cos):.4f} | {np.mean(eI):.4f} |")


if __name__ == "__main__":
    main()
