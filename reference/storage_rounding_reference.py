#!/usr/bin/env python3
"""Independent float64 reference for the storage-rounding floor (StorageRounding in the Swift analysis).

A fine-tune stored in a float dtype is W_ft = round(W_true); under uniform rounding to nearest its error
has expected energy E_round = sum_ij ulp(W_ft_ij)^2 / 12, and rho = E_round / ||W_ft - W_pre||_F^2.
Here ulp comes straight from the stored bits: exponent field E of the dtype (BF16: bits 7-14, F16: bits
10-14, F32: bits 23-30), ulp = 2^(max(E, 1) - bias - p) (p = 7, 10, 23; bias 127, 15, 127), so zeros and
subnormals get the dtype's smallest ulp; all-ones exponents (inf/NaN) are left out. dW and its energy are
float64 from the decoded values. (The Swift code histograms the exponent of the values decoded to Float,
so it does not share this decoding.)

Modes:
  python3 reference/storage_rounding_reference.py
      writes Tests/AnalysisTests/Fixtures/storage_rounding/{f32,f16,bf16}/{base,a,b}.safetensors (the same
      float32 values stored in each dtype, written with write_safetensors_fixture.write) and expected.json
      (per dtype, layer and model: energy, share, unchanged, update energy; per model the layer sums), and,
      when the MiniLM family is present (SMILE_MINILM_DIR or ../shared/models/minilm-l6), its full
      fine-tunes' rho per 2-D weight and per model in minilm.json beside them.
  python3 reference/storage_rounding_reference.py --family DIR --tensor NAME [--models ft0 ft1 ...]
      prints E_round, ||dW||^2, rho and the unchanged count of one tensor of DIR/base against each
      DIR/<model>/model.safetensors (for the benchmark families; reads one tensor at a time).
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import write_safetensors_fixture as stw  # noqa: E402

FORMATS = {  # dtype: (numpy word, exponent shift, exponent mask, bias, mantissa bits)
    "F32": ("<u4", 23, 0xFF, 127, 23),
    "F16": ("<u2", 10, 0x1F, 15, 10),
    "BF16": ("<u2", 7, 0xFF, 127, 7),
}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "AnalysisTests", "Fixtures", "storage_rounding")


def read_raw(path, name):
    """(dtype, shape, raw bytes) of tensor `name` in safetensors file `path`."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        info = header[name]
        begin, end = info["data_offsets"]
        f.seek(8 + n + begin)
        return info["dtype"], info["shape"], f.read(end - begin)


def names_2d(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    return sorted(k for k, v in header.items() if k != "__metadata__" and len(v["shape"]) == 2)


def rounding_energy(dtype, raw):
    """E_round = sum ulp^2 / 12 from the raw bits, in float64."""
    word, shift, mask, bias, p = FORMATS[dtype]
    field = (np.frombuffer(raw, dtype=word).astype(np.int64) >> shift) & mask
    field = field[field != mask]
    exponent = np.maximum(field, 1) - bias - p
    return float(np.sum(np.ldexp(1.0, 2 * exponent)) / 12.0)


def measure(base_raw, ft_raw, dtype):
    """Energy, update energy, share (None for dW = 0), the base's energy and share, unchanged count."""
    pre, ft = stw.decode(dtype, base_raw), stw.decode(dtype, ft_raw)
    energy = rounding_energy(dtype, ft_raw)
    update = float(np.sum((ft - pre) ** 2))
    base_energy = rounding_energy(dtype, base_raw)
    return {"energy": energy, "update_energy": update, "share": energy / update if update > 0 else None,
            "base_energy": base_energy, "base_share": base_energy / update if update > 0 else None,
            "unchanged": int(np.sum(ft == pre))}


def fixture_values():
    """Float32 values of the fixture family: 3 layers 24x16, base and fine-tunes a, b (rank-2 updates)."""
    rng = np.random.default_rng(24)
    m, n = 24, 16
    layers = {}
    # (relative norm of a's update, of b's): small updates give a large rho in BF16, larger ones a small rho.
    for index, (rel_a, rel_b) in enumerate([(0.003, 0.0005), (0.02, 0.01), (0.3, 0.2)]):
        base = rng.standard_normal((m, n)) * 0.05
        models = []
        for rel in (rel_a, rel_b):
            delta = rng.standard_normal((m, 2)) @ rng.standard_normal((2, n))
            models.append(base + delta * (rel * np.linalg.norm(base) / np.linalg.norm(delta)))
        if index == 2:  # zeros and subnormals of each dtype in the base and the fine-tunes
            for w in [base] + models:
                w[0, :4] = [0.0, 1.0e-39, -3.0e-7, 2.0e-6]
        layers[f"layer.{index}.weight"] = [base.astype(np.float32)] + [w.astype(np.float32) for w in models]
    return layers


def write_fixtures():
    layers = fixture_values()
    expected = {}
    for dtype in FORMATS:
        folder = os.path.join(OUT, dtype.lower())
        os.makedirs(folder, exist_ok=True)
        raws = []
        for position, model in enumerate(["base", "a", "b"]):
            tensors = {name: (dtype, list(w[position].shape), w[position].ravel()) for name, w in layers.items()}
            raws.append(stw.write(os.path.join(folder, f"{model}.safetensors"), tensors))
        per_layer = {name: [measure(raws[0][name], raws[t][name], dtype) for t in (1, 2)] for name in layers}
        totals = []
        for t in range(2):
            energy = sum(per_layer[name][t]["energy"] for name in layers)
            update = sum(per_layer[name][t]["update_energy"] for name in layers)
            totals.append({"energy": energy, "update_energy": update, "share": energy / update})
        expected[dtype] = {"layers": per_layer, "models": totals}
    write_json(os.path.join(OUT, "expected.json"), {"tasks": ["a", "b"], "expected": expected})
    minilm = os.environ.get("SMILE_MINILM_DIR") or os.path.join(os.path.dirname(ROOT), "shared", "models", "minilm-l6")
    if os.path.exists(os.path.join(minilm, "base", "model.safetensors")):
        write_json(os.path.join(OUT, "minilm.json"), minilm_reference(minilm))


def minilm_reference(root):
    base = os.path.join(root, "base", "model.safetensors")
    tasks = ["mansec", "codelang", "pyeco"]
    per_task = {}
    for task in tasks:
        ft = os.path.join(root, f"full-{task}", "model.safetensors")
        layers = {}
        for name in names_2d(base):
            dtype, _, base_raw = read_raw(base, name)
            ft_dtype, _, ft_raw = read_raw(ft, name)
            assert dtype == ft_dtype
            layers[name] = measure(base_raw, ft_raw, dtype)
        energy = sum(v["energy"] for v in layers.values())
        update = sum(v["update_energy"] for v in layers.values())
        per_task[task] = {"layers": layers, "share": energy / update, "max_share": max(v["share"] for v in layers.values() if v["share"])}
    return {"tasks": tasks, "full": per_task}


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1, sort_keys=True)
        f.write("\n")


def report_family(directory, tensor, models):
    _, shape, base_raw = read_raw(os.path.join(directory, "base", "model.safetensors"), tensor)
    for model in models:
        dtype, _, ft_raw = read_raw(os.path.join(directory, model, "model.safetensors"), tensor)
        r = measure(base_raw, ft_raw, dtype)
        print(f"{model} {tensor} {shape[0]}x{shape[1]} {dtype}: E_round {r['energy']:.6e}, ||dW||^2 {r['update_energy']:.6e}, "
              f"rho {r['share']:.4%}, rho(W_pre) {r['base_share']:.4%}, unchanged {r['unchanged']} of {shape[0] * shape[1]} ({r['unchanged'] / (shape[0] * shape[1]):.2%})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--family")
    parser.add_argument("--tensor")
    parser.add_argument("--models", nargs="*", default=["ft0", "ft1", "ft2", "ft3"])
    args = parser.parse_args()
    if args.family:
        report_family(args.family, args.tensor, args.models)
    else:
        write_fixtures()
