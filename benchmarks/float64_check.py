"""Float64 check of large-layer energies: recomputes E_I, E_II, E_II+III of every linear weight of a family
with numpy float64 (the textbook thin SVD of W_pre, explicit products) and compares them with a
`smile-inspect model --format json` report of the same family.

    python3 benchmarks/float64_check.py --base B --models M1 M2 … --report ours.json

Prints, per layer and model, our energies, the float64 ones and the largest absolute difference. Used in
benchmarks/RESULTS.md ("Accuracy") to check the Double-Gram factorization of W_pre on the synthetic 4096²
base (condition number 1.7·10⁸) — large shapes the unit-test fixtures do not reach. Slow (a float64 SVD
per layer): meant for one or two layers.
"""

import argparse
import json

import numpy as np

import st_io


def energies(w, delta):
    u, s, vt = np.linalg.svd(w, full_matrices=False)
    c = np.cumsum(s)
    k = 1 + int(np.sum(c < 0.5 * s.sum()))
    total = float((delta ** 2).sum())
    core = u.T @ delta @ vt.T                       # r×r, all thin directions
    e_top = float((core[:k, :k] ** 2).sum()) / total
    e_mid = float((core[k:, k:] ** 2).sum()) / total
    top_rows = float(((u[:, :k].T @ delta) ** 2).sum())
    top_cols = float(((delta @ vt[:k].T) ** 2).sum())
    e_mid_tail = (total - top_rows - top_cols + float((core[:k, :k] ** 2).sum())) / total
    return k, [e_top, e_mid, e_mid_tail]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--models", nargs="+", required=True)
    parser.add_argument("--report", required=True)
    args = parser.parse_args()
    report = {layer["name"]: layer for layer in json.load(open(args.report))["layers"]}
    base = st_io.SafetensorsFile(st_io.model_file(args.base))
    models = [st_io.SafetensorsFile(st_io.model_file(m)) for m in args.models]
    worst = 0.0
    for name in base.names():
        if name not in report:
            continue
        w = base.read(name).astype(np.float64)
        for index, model in enumerate(models):
            k, reference = energies(w, model.read(name).astype(np.float64) - w)
            e = report[name]["tasks"][index]["energy"]["energy"]
            ours = [e[0][0], e[1][1], sum(e[a][b] for a in range(1, len(e)) for b in range(1, len(e)))]
            diff = max(abs(x - y) for x, y in zip(ours, reference))
            worst = max(worst, diff)
            print(f"{name} model {index}: k {k} (ours {report[name]['zones']['leftCuts'][0]}); ours {ours}; float64 {reference}; max |ΔE| {diff:.1e}")
    print(f"largest |ΔE| against float64: {worst:.1e}")


if __name__ == "__main__":
    main()
