"""Synthetic fine-tuning families at realistic shapes, written as safetensors.

Base weights have a decaying spectrum: W = (G₁/√m) diag(σ) (G₂/√n) with Gaussian G₁ (m×r), G₂ (r×n) and
σⱼ = (1 + j/10)^−0.8 + 0.05 (Marchenko–Pastur blurs it but keeps it decaying, as in trained weights). Each
fine-tune adds ΔW = low-rank part (rank 16, ~60% of ‖ΔW‖², half of it aimed at W's top singular directions)
+ Gaussian noise (~40%), with ‖ΔW‖_F / ‖W‖_F = 0.02 — an update bigger than BF16 rounding of W (2^-8
relative), as fine-tunes stored in BF16 must be. Fine-tuned models store W + ΔW (as full fine-tunes do).
"""

import os

import numpy as np

import st_io

SIGMA_DECAY = 0.8


def base_matrix(rng, m, n):
    r = min(m, n)
    sigma = (1 + np.arange(r) / 10.0) ** -SIGMA_DECAY + 0.05
    g1 = rng.standard_normal((m, r), dtype=np.float32) / np.float32(np.sqrt(m))
    g2 = rng.standard_normal((r, n), dtype=np.float32) / np.float32(np.sqrt(n))
    return (g1 * sigma.astype(np.float32)) @ g2


def update(rng, w, relative=0.02, rank=16, noise=0.4):
    m, n = w.shape
    target = relative * float(np.linalg.norm(w))
    b = rng.standard_normal((m, rank), dtype=np.float32)
    a = rng.standard_normal((rank, n), dtype=np.float32)
    # Aim half the low-rank part at W's top directions: mix in W applied to a few random vectors.
    probe = w @ rng.standard_normal((n, rank // 2), dtype=np.float32)
    b[:, : rank // 2] = probe / np.linalg.norm(probe, axis=0, keepdims=True) * np.float32(np.sqrt(m))
    low = b @ a
    low *= np.float32(np.sqrt(1 - noise) * target / np.linalg.norm(low))
    gaussian = rng.standard_normal((m, n), dtype=np.float32)
    gaussian *= np.float32(np.sqrt(noise) * target / np.linalg.norm(gaussian))
    return low + gaussian


def write_family(directory, layers, tasks, dtype="F32", seed=0, noise=0.4, base_exact=False):
    """layers: [(name, m, n)]; noise: the Gaussian share of each ‖ΔW‖² (the rest is the rank-16 part). Writes directory/base/model.safetensors and directory/ft{t}/model.safetensors.
    base_exact: with dtype BF16, round the base to BF16 before the updates are added, as a fine-tune trained from the
    stored BF16 base is (ΔW then carries W_ft's rounding only; otherwise base and fine-tunes round separately).
    Returns (base_path, [model paths]). Skips the work when the files exist already."""
    base_dir = os.path.join(directory, "base")
    model_dirs = [os.path.join(directory, f"ft{t}") for t in range(tasks)]
    done = os.path.join(directory, ".complete")
    if os.path.exists(done):
        return base_dir, model_dirs
    rng = np.random.default_rng(seed)
    for d in [base_dir] + model_dirs:
        os.makedirs(d, exist_ok=True)
    # One layer at a time in memory: write each model's file incrementally by collecting its tensors.
    # (Files are written whole, so hold one model's tensors per pass over the layers.)
    bases = {}
    for name, m, n in layers:
        bases[name] = base_matrix(rng, m, n)
        if base_exact and dtype == "BF16":
            bases[name] = (st_io.to_bf16_bits(bases[name]).astype(np.uint32) << 16).view(np.float32)
    st_io.write(os.path.join(base_dir, "model.safetensors"), bases, dtype)
    for t, d in enumerate(model_dirs):
        trng = np.random.default_rng(seed * 1000 + t + 1)
        st_io.write(os.path.join(d, "model.safetensors"), {name: bases[name] + update(trng, bases[name], noise=noise) for name, _, _ in layers}, dtype)
    open(done, "w").close()
    return base_dir, model_dirs


BLOCK_7B = [
    ("model.layers.0.self_attn.q_proj.weight", 4096, 4096),
    ("model.layers.0.self_attn.k_proj.weight", 4096, 4096),
    ("model.layers.0.self_attn.v_proj.weight", 4096, 4096),
    ("model.layers.0.self_attn.o_proj.weight", 4096, 4096),
    ("model.layers.0.mlp.gate_proj.weight", 14336, 4096),
    ("model.layers.0.mlp.up_proj.weight", 14336, 4096),
    ("model.layers.0.mlp.down_proj.weight", 4096, 14336),
]


if __name__ == "__main__":
    # One-layer families for `smile-bench compare`, e.g. a fine-tune whose 90%-energy rank is small:
    #   python3 benchmarks/make_family.py /tmp/family-lowrank 4096x4096 --tasks 4 --noise 0.05
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory")
    parser.add_argument("shape", help="MxN")
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--noise", type=float, default=0.4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    m, n = (int(x) for x in args.shape.split("x"))
    print(write_family(args.directory, [("layer.weight", m, n)], args.tasks, seed=args.seed, noise=args.noise))
