#!/usr/bin/env python3
"""(b) A careful numpy float32 pipeline for the same energy maps: streams one layer of every model at a
time, computes the thin SVD of W_pre once per layer and shares it across models, and never forms an m×m
or n×n basis.

Per layer (r = min(m, n); one of U (m×r), V (n×r) is square):
  m ≥ n:  Y = ΔW V (m×r), P = Uᵀ Y (r×r);   ‖ΔW V_k‖² from Y, ‖U_kᵀ ΔW‖² = ‖P[:k]‖² (V square);
  m < n:  Z = Uᵀ ΔW (r×n), P = Z V (r×r);   ‖U_kᵀ ΔW‖² from Z, ‖ΔW V_k‖² = ‖P[:, :k]‖² (U square);
  E_I = ‖P[:k,:k]‖² / ‖ΔW‖², E_II = ‖P[k:,k:]‖² / ‖ΔW‖²,
  E_II+III = (‖ΔW‖² − ‖U_kᵀΔW‖² − ‖ΔW V_k‖² + ‖P[:k,:k]‖²) / ‖ΔW‖²   (energy outside the top zone on both sides).
Two GEMMs of m·n·r per model; norms accumulated in float64.

    python3 benchmarks/numpy_shared_svd.py --base B --models M1 M2 … --out result.json
"""

import argparse
import json
import resource
import time

import numpy as np

import st_io


def sq(x):
    return float(np.einsum("ij,ij->", x, x, dtype=np.float64))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--models", nargs="+", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    start = time.perf_counter()
    base = st_io.SafetensorsFile(st_io.model_file(args.base))
    models = [st_io.SafetensorsFile(st_io.model_file(p)) for p in args.models]
    layers = {}
    for name in base.names():
        if not st_io.is_linear_weight(name, base.shape(name)):
            continue
        t0 = time.perf_counter()
        w = base.read(name)
        u, s, vt = np.linalg.svd(w, full_matrices=False)
        t_svd = time.perf_counter() - t0
        c = np.cumsum(s, dtype=np.float64)
        k = int(np.count_nonzero(c < c[-1] * 0.5)) + 1
        m, n = w.shape
        energies, per_model = [], []
        for f in models:
            t = time.perf_counter()
            delta = f.read(name) - w
            total = sq(delta)
            if m >= n:
                y = delta @ vt.T
                p = u.T @ y
                right_top, left_top = sq(y[:, :k]), sq(p[:k, :])
            else:
                z = u.T @ delta
                p = z @ vt.T
                left_top, right_top = sq(z[:k, :]), sq(p[:, :k])
            both = sq(p[:k, :k])
            energies.append([both / total, sq(p[k:, k:]) / total, (total - left_top - right_top + both) / total])
            per_model.append(time.perf_counter() - t)
        layers[name] = {"energies": energies, "baseSVD": t_svd, "perModel": per_model, "seconds": time.perf_counter() - t0}
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    json.dump({"layers": layers, "wall": wall, "peakRSS": peak}, open(args.out, "w"), indent=1)


if __name__ == "__main__":
    main()
