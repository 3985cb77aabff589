"""The storage-rounding floor on BF16 families whose updates are exactly rank 16 (no Gaussian part).

Writes, beside make_family's own family (noise=0.0: base and fine-tunes each rounded to BF16 from float32,
so dW carries *two* roundings, W_ft's and W_pre's), families whose fine-tunes start from the stored BF16
base (W_ft = bf16(W_pre + dW_true): one rounding, the case smile-inspect's rho models), at
||dW||/||W|| = 0.02 and 0.01. For each model and layer it prints, in float64 from the files: rank90 and
rank99 of dW, the share of ||dW||^2 beyond the 16 directions of the true update, rho(W_ft) =
sum ulp(W_ft)^2/12 / ||dW||^2 (reference/storage_rounding_reference.py) and rho(W_ft) + rho(W_pre), and the
entries where W_ft == W_pre.

Usage: python3 benchmarks/rounding_family.py [DIR]   (default /tmp/rounding-families; ~30 s)
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "reference"))
import make_family  # noqa: E402
import st_io  # noqa: E402
import storage_rounding_reference as ref  # noqa: E402

LAYERS = [("model.layers.0.self_attn.q_proj.weight", 1024, 1024), ("model.layers.0.mlp.up_proj.weight", 2048, 1024)]


def write_single_rounded(directory, relative, tasks=2, seed=3):
    """Base rounded to BF16 once; each fine-tune = bf16(stored base + rank-16 update)."""
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(directory, "base"), exist_ok=True)
    path = os.path.join(directory, "base", "model.safetensors")
    st_io.write(path, {name: make_family.base_matrix(rng, m, n) for name, m, n in LAYERS}, "BF16")
    stored = st_io.SafetensorsFile(path)
    for t in range(tasks):
        trng = np.random.default_rng(seed * 1000 + t + 1)
        os.makedirs(os.path.join(directory, f"ft{t}"), exist_ok=True)
        fine = {}
        for name, _, _ in LAYERS:
            w = stored.read(name)
            fine[name] = w + make_family.update(trng, w, relative=relative, noise=0.0)
        st_io.write(os.path.join(directory, f"ft{t}", "model.safetensors"), fine, "BF16")


def describe(directory, label, tasks=2):
    base_path = os.path.join(directory, "base", "model.safetensors")
    for t in range(tasks):
        ft_path = os.path.join(directory, f"ft{t}", "model.safetensors")
        for name, m, n in LAYERS:
            _, _, raw_pre = ref.read_raw(base_path, name)
            _, _, raw_ft = ref.read_raw(ft_path, name)
            dw = ref.stw.decode("BF16", raw_ft) - ref.stw.decode("BF16", raw_pre)
            s2 = np.linalg.svd(dw.reshape(m, n), compute_uv=False) ** 2
            total = s2.sum()
            curve = np.cumsum(s2) / total
            r90 = int(np.searchsorted(curve, 0.9 - 1e-12) + 1)
            r99 = int(np.searchsorted(curve, 0.99 - 1e-12) + 1)
            rho = ref.rounding_energy("BF16", raw_ft) / total
            both = rho + ref.rounding_energy("BF16", raw_pre) / total
            print(f"{label} ft{t} {name.split('.')[-2]} {m}x{n}: rank90 {r90}, rank99 {r99}, beyond 16 {s2[16:].sum() / total:.3%}, "
                  f"rho(W_ft) {rho:.3%}, rho(W_ft)+rho(W_pre) {both:.3%}, unchanged {np.mean(dw == 0):.1%}")


if __name__ == "__main__":
    root = sys.argv[1] if len(sys.argv) > 1 else "/tmp/rounding-families"
    double = os.path.join(root, "double-0.02")
    make_family.write_family(double, LAYERS, 2, dtype="BF16", seed=3, noise=0.0)
    describe(double, "make_family (W_pre and W_ft rounded), 0.02")
    for relative in (0.02, 0.01):
        single = os.path.join(root, f"single-{relative}")
        if not os.path.exists(os.path.join(single, "ft1", "model.safetensors")):
            write_single_rounded(single, relative)
        describe(single, f"from the stored base, {relative}")
