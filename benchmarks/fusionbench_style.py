#!/usr/bin/env python3
"""(a) FusionBench's way, in numpy float32: the computation of ProjectedEnergyAnalysis
(fusion_bench/method/smile_upscaling/projected_energy.py in tanganke/fusion_bench), re-expressed
independently:

  * the pretrained model is loaded once, whole; each fine-tuned model is then loaded whole, in turn;
  * for every linear weight, per model: w and w_ft cast to float32, w_diff = w_ft − w;
    a thin SVD of w (full_matrices=False); k = #{j : cumsum(σ)_j < ½·Σσ} + 1;
    E_I  = ‖U_k U_kᵀ · w_diff · V_k V_kᵀ‖²_F / ‖w_diff‖²_F     (a 5-matrix chain product, optimal order);
    E_II = the same with the thin U[:, k:], V[:, k:];
    then a second, *full* SVD of w (full_matrices=True: U m×m, V n×n) and
    E_II+III = the same with the full U[:, k:], V[:, k:];
  * so two SVDs of w per model per module, one with full square bases, recomputed for every model.

    python3 benchmarks/fusionbench_style.py --base B --models M1 M2 … --out result.json
"""

import argparse
import json
import resource
import time

import numpy as np

import st_io


def analyze_weight(w, w_ft):
    w = w.astype(np.float32)
    w_ft = w_ft.astype(np.float32)
    w_diff = w_ft - w
    u, s, vh = np.linalg.svd(w, full_matrices=False)
    v = vh.T
    cumsum = np.cumsum(s)
    k = int(np.count_nonzero(cumsum < cumsum[-1] * 0.5)) + 1
    denom = np.linalg.norm(w_diff, ord="fro") ** 2

    def projected(uu, vv):
        diff = w_ft - w  # recomputed per projection, as the original helpers do
        return np.linalg.multi_dot((uu, uu.T, diff, vv, vv.T))

    e1 = np.linalg.norm(projected(u[:, :k], v[:, :k]), ord="fro") ** 2 / denom
    e2 = np.linalg.norm(projected(u[:, k:], v[:, k:]), ord="fro") ** 2 / denom
    u, s, vh = np.linalg.svd(w, full_matrices=True)
    v = vh.T
    e23 = np.linalg.norm(projected(u[:, k:], v[:, k:]), ord="fro") ** 2 / denom
    return [float(e1), float(e2), float(e23)]


def load_model(path):
    f = st_io.SafetensorsFile(st_io.model_file(path))
    return {name: f.read(name) for name in f.names()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--models", nargs="+", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    start = time.perf_counter()
    base = load_model(args.base)
    linear = [name for name in base if st_io.is_linear_weight(name, base[name].shape)]
    energies = {name: [] for name in linear}
    seconds = {name: 0.0 for name in linear}
    for path in args.models:
        finetuned = load_model(path)
        for name in linear:
            t = time.perf_counter()
            energies[name].append(analyze_weight(base[name], finetuned[name]))
            seconds[name] += time.perf_counter() - t
        del finetuned
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    json.dump({"layers": {n: {"energies": energies[n], "seconds": seconds[n]} for n in linear}, "wall": wall, "peakRSS": peak},
              open(args.out, "w"), indent=1)


if __name__ == "__main__":
    main()
