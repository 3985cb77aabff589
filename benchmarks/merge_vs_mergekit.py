#!/usr/bin/env python3
"""`smile-inspect merge` against `mergekit-yaml` on a Llama-2-7B-shaped BF16 family (issue #22, item 4).

    python3 -m venv /tmp/i22bench-venv
    /tmp/i22bench-venv/bin/pip install /opt/wheels/torch-*.whl mergekit==0.1.5
    swift build -c release --product smile-inspect
    /tmp/i22bench-venv/bin/python benchmarks/merge_vs_mergekit.py --layers 2 --dir /tmp/merge-bench

Writes DIR/base, DIR/ft0, DIR/ft1: a LlamaForCausalLM with every tensor at Llama-2-7B's real shape (hidden
4096, intermediate 11008, 32 heads, vocab 32000) truncated to --layers decoder layers, in BF16 (base weights
Gaussian / √in; each fine-tune adds a rank-8 update plus Gaussian noise, ‖ΔW‖/‖W‖ ≈ 0.02, on every tensor).
Then, in the same run and one after the other, times (/usr/bin/time -v: wall, user + system CPU, peak RSS)
  mergekit    `mergekit-yaml` with task_arithmetic, weight 0.5 per model, normalize false, dtype bfloat16
              (paths written ./name, run from DIR, as reference/validate_mergekit.py explains);
  ta          `smile-inspect merge --method ta --lambda 0.5` (the same θ_pre + 0.5·Σᵢ τᵢ);
  tsv, iso-c, iso-cts, ties   the other methods at their default coefficients (--methods picks them);
and checks that mergekit's and smile-inspect's ta outputs agree: per tensor max |a − b| / max |b| (both are
BF16-rounded, so up to a few 2⁻⁸), and each against θ_pre + 0.5·Σᵢ τᵢ in numpy float64. The extra cost of a
method is its time minus ta's, divided by the number of decoder layers (embeddings and norms are element-wise
for every method). Prints a markdown table; --json writes the numbers.

`--per-shape` times the methods per weight shape instead, for when a whole 7B-shaped layer takes too long:
for each distinct 2-D shape of a Llama-2-7B layer (q/k/v/o 4096×4096, gate/up 11008×4096, down 4096×11008)
it writes DIR/shape-OUTxIN/{base,ft0,ft1}, each holding that one BF16 tensor (the same fine-tune recipe), and
times ta and each method on it; a method's extra cost per layer is composed as Σ_shape (weights of that shape
per layer) × (method − ta) — each weight is merged on its own, so the sum is what a layer costs, up to the
per-run start-up that ta's time already holds. `--shapes 11008x4096` times only the shapes named (the
composition then covers only those).
"""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "reference"))
import st_io  # noqa: E402
from validate_mergekit import llama_config, llama_shapes  # noqa: E402

HIDDEN, INTERMEDIATE, HEADS, KV_HEADS, VOCAB = 4096, 11008, 32, 32, 32000
LAMBDA = 0.5


def family_tensors(layers):
    """[(name, shape)] of the truncated Llama-2-7B, in the order HF writes them."""
    out = [("model.embed_tokens.weight", (VOCAB, HIDDEN))]
    for layer in range(layers):
        for suffix, shape in llama_shapes(HIDDEN, INTERMEDIATE, HEADS, KV_HEADS).items():
            out.append((f"model.layers.{layer}.{suffix}.weight", shape))
        out.append((f"model.layers.{layer}.input_layernorm.weight", (HIDDEN,)))
        out.append((f"model.layers.{layer}.post_attention_layernorm.weight", (HIDDEN,)))
    out += [("model.norm.weight", (HIDDEN,)), ("lm_head.weight", (VOCAB, HIDDEN))]
    return out


def write_family(directory, layers, tensors_of=None):
    """base, ft0, ft1 under directory, holding tensors_of (default: family_tensors(layers)) in BF16."""
    done = os.path.join(directory, ".complete-%d" % layers)
    names = ["base", "ft0", "ft1"]
    if os.path.exists(done):
        return names
    rng = np.random.default_rng(22)
    base = {}
    for name, shape in tensors_of or family_tensors(layers):
        if len(shape) == 1:
            base[name] = (1 + 0.1 * rng.standard_normal(shape, dtype=np.float32))
        else:
            base[name] = rng.standard_normal(shape, dtype=np.float32) / np.float32(np.sqrt(shape[1]))
    config = llama_config(HIDDEN, INTERMEDIATE, HEADS, KV_HEADS, VOCAB, layers, "bfloat16")
    for index, model in enumerate(names):
        path = os.path.join(directory, model)
        os.makedirs(path, exist_ok=True)
        tensors = base
        if index > 0:
            tensors = {}
            for name, w in base.items():
                scale = np.float32(0.02 * np.linalg.norm(w) / np.sqrt(w.size))
                noise = rng.standard_normal(w.shape, dtype=np.float32) * (scale * np.float32(np.sqrt(0.5)))
                if w.ndim == 2:
                    b = rng.standard_normal((w.shape[0], 8), dtype=np.float32)
                    a = rng.standard_normal((8, w.shape[1]), dtype=np.float32)
                    low = b @ a
                    noise += low * (scale * np.float32(np.sqrt(0.5 / 8)))
                tensors[name] = w + noise
        st_io.write(os.path.join(path, "model.safetensors"), tensors, "BF16")
        with open(os.path.join(path, "config.json"), "w") as f:
            json.dump(config, f)
        print("  wrote %s" % path, file=sys.stderr)
    open(done, "w").close()
    return names


def timed(cmd, cwd, log):
    """Runs cmd under /usr/bin/time -v; returns wall s, CPU s (user + system), peak RSS bytes."""
    with open(log, "w") as err:
        run = subprocess.run(["/usr/bin/time", "-v"] + cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
    text = open(log).read()
    if run.returncode != 0:
        sys.exit("%s failed (exit %d); see %s:\n%s" % (cmd[0], run.returncode, log, text[-3000:]))

    def field(label):
        return re.search(re.escape(label) + r": (.*)", text).group(1).strip()

    parts = [float(p) for p in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
    wall = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    return wall, cpu, int(field("Maximum resident set size (kbytes)")) * 1024


def tensor_files(directory):
    """{tensor name: (SafetensorsFile)} over every .safetensors file of a model directory."""
    out = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.safetensors"))):
        f = st_io.SafetensorsFile(path)
        for name in f.names():
            out[name] = f
    return out


def compare(directory, ours, theirs):
    """Worst per-tensor max|a − b| / max|b| between the two merges, and of each against float64."""
    models = [tensor_files(os.path.join(directory, m)) for m in ("base", "ft0", "ft1")]
    a, b = tensor_files(ours), tensor_files(theirs)
    assert set(a) == set(models[0]) == set(b), (sorted(set(a) ^ set(b)))
    worst = {"ours_vs_mergekit": 0.0, "ours_vs_float64": 0.0, "mergekit_vs_float64": 0.0}
    for name, base_file in models[0].items():
        base = base_file.read(name).astype(np.float64)
        expected = base + LAMBDA * sum(m[name].read(name).astype(np.float64) - base for m in models[1:])
        x, y = a[name].read(name).astype(np.float64), b[name].read(name).astype(np.float64)
        scale = max(np.abs(expected).max(), 1e-30)
        for key, err in (("ours_vs_mergekit", np.abs(x - y).max() / max(np.abs(y).max(), 1e-30)),
                         ("ours_vs_float64", np.abs(x - expected).max() / scale),
                         ("mergekit_vs_float64", np.abs(y - expected).max() / scale)):
            worst[key] = max(worst[key], float(err))
    return worst


def per_shape(args, directory):
    """Times ta and each method on one weight of each distinct layer shape; composes the per-layer cost."""
    shapes = {}
    for suffix, shape in llama_shapes(HIDDEN, INTERMEDIATE, HEADS, KV_HEADS).items():
        if not args.shapes or "%dx%d" % shape in args.shapes.split(","):
            shapes.setdefault(shape, []).append(suffix)
    methods = [m for m in args.methods.split(",") if m]
    rows = []
    for shape, suffixes in shapes.items():
        sub = os.path.join(directory, "shape-%dx%d" % shape)
        write_family(sub, 1, [("model.layers.0.%s.weight" % suffixes[0], shape)])
        for method in ["ta"] + methods:
            out = os.path.join(sub, "out-" + method)
            shutil.rmtree(out, ignore_errors=True)
            load = os.getloadavg()[0]
            wall, cpu, rss = timed([args.binary, "merge", "--base", "base", "--models", "ft0", "ft1", "--quiet",
                                    "--method", method, "--out", "out-" + method], sub,
                                   os.path.join(sub, method + ".time.log"))
            shutil.rmtree(out, ignore_errors=True)
            rows.append({"shape": list(shape), "per_layer": len(suffixes), "run": method, "wall_s": wall, "cpu_s": cpu,
                         "peak_rss_bytes": rss, "load_before": load})
            print("  %-11s %-8s wall %7.1f s  CPU %7.1f s  peak RSS %5.2f GB  (load %.2f)"
                  % ("%dx%d" % shape, method, wall, cpu, rss / 1e9, load), file=sys.stderr)
    print("\n| shape (weights per layer) | " + " | ".join("%s wall s (CPU s)" % m for m in ["ta"] + methods) + " |")
    print("|---|" + "---|" * (len(methods) + 1))
    for shape, suffixes in shapes.items():
        cells = [next(r for r in rows if r["shape"] == list(shape) and r["run"] == m) for m in ["ta"] + methods]
        print("| %d×%d (%d) | " % (shape[0], shape[1], len(suffixes))
              + " | ".join("%.1f (%.1f)" % (r["wall_s"], r["cpu_s"]) for r in cells) + " |")
    composed = {}
    for method in methods:
        composed[method] = {}
        for key in ("wall_s", "cpu_s"):
            composed[method][key] = sum(
                len(suffixes) * (next(r[key] for r in rows if r["shape"] == list(shape) and r["run"] == method)
                                 - next(r[key] for r in rows if r["shape"] == list(shape) and r["run"] == "ta"))
                for shape, suffixes in shapes.items())
        print("- %s: extra per 7B-shaped layer over ta, composed from the shapes: %.0f s wall, %.0f s CPU"
              % (method, composed[method]["wall_s"], composed[method]["cpu_s"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"per_shape": rows, "composed_extra_per_layer": composed}, f, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", default="/tmp/merge-bench")
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/smile-inspect"))
    parser.add_argument("--mergekit", default=shutil.which("mergekit-yaml") or "mergekit-yaml")
    parser.add_argument("--methods", default="tsv,iso-c,iso-cts,ties")
    parser.add_argument("--json")
    parser.add_argument("--per-shape", action="store_true", help="time each distinct weight shape once per method")
    parser.add_argument("--shapes", help="with --per-shape: only these shapes, e.g. 4096x4096,11008x4096")
    args = parser.parse_args()
    directory = os.path.abspath(args.dir)
    os.makedirs(directory, exist_ok=True)
    if args.per_shape:
        per_shape(args, directory)
        return
    start = time.time()
    write_family(directory, args.layers)
    print("family: %d layers, written in %.0f s; load %.2f" % (args.layers, time.time() - start, os.getloadavg()[0]),
          file=sys.stderr)
    with open(os.path.join(directory, "ta.yml"), "w") as f:
        f.write("merge_method: task_arithmetic\nbase_model: ./base\nparameters:\n  normalize: false\n"
                "dtype: bfloat16\nmodels:\n"
                "  - model: ./ft0\n    parameters:\n      weight: %s\n"
                "  - model: ./ft1\n    parameters:\n      weight: %s\n" % (LAMBDA, LAMBDA))
    rows = []

    def record(label, cmd, out):
        shutil.rmtree(out, ignore_errors=True)
        load = os.getloadavg()[0]
        wall, cpu, rss = timed(cmd, directory, os.path.join(directory, label + ".time.log"))
        rows.append({"run": label, "wall_s": wall, "cpu_s": cpu, "peak_rss_bytes": rss, "load_before": load})
        print("  %-9s wall %7.1f s  CPU %7.1f s  peak RSS %6.2f GB  (load %.2f)" % (label, wall, cpu, rss / 1e9, load),
              file=sys.stderr)

    record("mergekit", [args.mergekit, "ta.yml", "out-mergekit"], os.path.join(directory, "out-mergekit"))
    merge = [args.binary, "merge", "--base", "base", "--models", "ft0", "ft1", "--quiet"]
    record("ta", merge + ["--method", "ta", "--lambda", str(LAMBDA), "--out", "out-ta"], os.path.join(directory, "out-ta"))
    agreement = compare(directory, os.path.join(directory, "out-ta"), os.path.join(directory, "out-mergekit"))
    print("  agreement (max relative difference per tensor): %s" % agreement, file=sys.stderr)
    for method in [m for m in args.methods.split(",") if m]:
        out = os.path.join(directory, "out-" + method)
        record(method, merge + ["--method", method, "--out", "out-" + method], out)
        shutil.rmtree(out, ignore_errors=True)
    ta = next(r for r in rows if r["run"] == "ta")
    print("\n| run | wall s | CPU s | peak RSS GB | extra wall s per layer over ta | load before |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        extra = "–" if r["run"] in ("ta", "mergekit") else "%.1f" % ((r["wall_s"] - ta["wall_s"]) / args.layers)
        print("| %s | %.1f | %.1f | %.2f | %s | %.2f |" % (r["run"], r["wall_s"], r["cpu_s"], r["peak_rss_bytes"] / 1e9,
                                                        extra, r["load_before"]))
    print("\nta vs mergekit, worst tensor: %.3g relative; ours vs float64 %.3g, mergekit vs float64 %.3g"
          % (agreement["ours_vs_mergekit"], agreement["ours_vs_float64"], agreement["mergekit_vs_float64"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"layers": args.layers, "rows": rows, "agreement": agreement}, f, indent=1)


if __name__ == "__main__":
    main()
