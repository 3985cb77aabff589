#!/usr/bin/env python3
"""The smile-inspect benchmark: synthetic families at realistic shapes plus the real MiniLM family,
each analysed by

  ours-full    `smile-inspect model` end to end (every signal: spectra, intruders, interference, verdict);
  ours-energy  `smile-bench energy`: the energy maps alone with the same library (the same work as a, b);
  (a) fb       benchmarks/fusionbench_style.py — FusionBench's ProjectedEnergyAnalysis in numpy float32;
  (b) numpy    benchmarks/numpy_shared_svd.py — careful numpy float32, shared thin base SVD;

printing wall time, peak RSS (per process, from wait4), the max |ΔE| between every pipeline's E_I, E_II and
E_II+III, and the per-model cost against the GEMMs it needs (timed in the same run on the same matrices).
numpy runs with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset (its own OpenBLAS picks its kernel, reported via
threadpoolctl); smile-inspect runs in the environment as given (the system OpenBLAS may need them).

    benchmarks/run                 # everything (about an hour on 2 cores)
    benchmarks/run --quick         # MiniLM and the 768² family only (a few minutes)
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import make_family  # noqa: E402

GiB = 1 << 30


def load_average():
    return os.getloadavg()


def wait_for_quiet(limit, max_wait):
    start = time.time()
    while load_average()[0] > limit and time.time() - start < max_wait:
        print(f"  waiting for a quiet machine (load {load_average()[0]:.2f} > {limit})", file=sys.stderr)
        time.sleep(30)
    return load_average()


def run(cmd, env=None, log=None):
    """Runs cmd, returns (wall seconds, peak RSS bytes). Raises on failure."""
    start = time.perf_counter()
    stderr = open(log, "w") if log else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"{cmd[0]} failed ({status}); see {log}")
    return wall, usage.ru_maxrss * 1024


def numpy_env():
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


def numpy_blas_info():
    code = ("import json, numpy; from threadpoolctl import threadpool_info;"
            "print(json.dumps([{k: i.get(k) for k in ('internal_api', 'version', 'architecture', 'num_threads')} for i in threadpool_info()]))")
    try:
        out = subprocess.run([sys.executable, "-c", code], env=numpy_env(), capture_output=True, text=True, check=True).stdout
        return json.loads(out)
    except Exception as error:  # threadpoolctl missing: report the environment instead
        return [{"threadpoolctl": f"unavailable ({error.__class__.__name__})"}]


def energies_from_report(path):
    report = json.load(open(path))
    out = {}
    for layer in report["layers"]:
        rows = []
        for task in layer["tasks"]:
            e = task["energy"]["energy"]
            rows.append([e[0][0], e[1][1], sum(e[a][b] for a in range(1, len(e)) for b in range(1, len(e)))])
        out[layer["name"]] = rows
    return out, report.get("performance", {})


def max_diff(x, y):
    worst = 0.0
    for name in x:
        for a, b in zip(x[name], y[name]):
            worst = max(worst, max(abs(p - q) for p, q in zip(a, b)))
    return worst


def describe(b):
    return f"{b / GiB:.2f} GiB" if b >= GiB else f"{b / (1 << 20):.0f} MiB"


def case(args, label, base, models, shapes, tasks, run_fb, fb_note="", max_memory=None):
    """Runs the four pipelines on one family; returns a result dict."""
    out = os.path.join(args.workdir, "out", label.replace(" ", "_").replace("×", "x"))
    os.makedirs(out, exist_ok=True)
    res = {"label": label, "tasks": tasks, "shapes": shapes, "load_before": wait_for_quiet(args.max_load, args.max_wait)}
    m, n = max(shapes, key=lambda s: s[0] * s[1])
    res["working_set"] = 4 * (tasks + 1) * m * n
    print(f"\n== {label}: {len(shapes)} layer(s), T = {tasks}, load {res['load_before'][0]:.2f}", file=sys.stderr)
    ours = [args.smile_inspect, "model", "--base", base, "--models", *models, "--format", "json", "-o", f"{out}/ours.json", "--quiet"]
    if max_memory:
        ours += ["--max-memory", max_memory]
    res["ours_full"] = run(ours, log=f"{out}/ours.log")
    print(f"   ours-full   {res['ours_full'][0]:8.1f} s  {describe(res['ours_full'][1])}", file=sys.stderr)
    res["ours_energy"] = run([args.smile_bench, "energy", "--base", base, "--models", *models, "--out", f"{out}/energy.json"], log=f"{out}/energy.log")
    print(f"   ours-energy {res['ours_energy'][0]:8.1f} s  {describe(res['ours_energy'][1])}", file=sys.stderr)
    res["numpy"] = run([sys.executable, f"{HERE}/numpy_shared_svd.py", "--base", base, "--models", *models, "--out", f"{out}/numpy.json"], env=numpy_env(), log=f"{out}/numpy.log")
    print(f"   (b) numpy   {res['numpy'][0]:8.1f} s  {describe(res['numpy'][1])}", file=sys.stderr)
    if run_fb:
        res["fb"] = run([sys.executable, f"{HERE}/fusionbench_style.py", "--base", base, "--models", *models, "--out", f"{out}/fb.json"], env=numpy_env(), log=f"{out}/fb.log")
        print(f"   (a) fb      {res['fb'][0]:8.1f} s  {describe(res['fb'][1])}", file=sys.stderr)
    else:
        res["fb_note"] = fb_note
        print(f"   (a) fb      skipped: {fb_note}", file=sys.stderr)
    res["load_after"] = load_average()
    # Agreement.
    full, performance = energies_from_report(f"{out}/ours.json")
    energy = json.load(open(f"{out}/energy.json"))
    mine = {l["name"]: l["energies"] for l in energy["layers"]}
    npy = {k: v["energies"] for k, v in json.load(open(f"{out}/numpy.json"))["layers"].items()}
    res["diff"] = {"full-vs-energy": max_diff(full, mine), "energy-vs-numpy": max_diff(mine, npy)}
    if run_fb:
        fb = {k: v["energies"] for k, v in json.load(open(f"{out}/fb.json"))["layers"].items()}
        res["diff"]["energy-vs-fb"] = max_diff(mine, fb)
        res["diff"]["numpy-vs-fb"] = max_diff(npy, fb)
    # Efficiency: per-model time beyond the base SVD against the GEMMs that work needs.
    per_model = sum(sum(l["perModel"]) for l in energy["layers"])
    gemm = sum(sum(l["gemm"]) for l in energy["layers"])
    res["energy_per_model"], res["gemm"] = per_model, gemm
    # smile-bench re-runs the per-model GEMMs to time them: that is not part of the energy work.
    res["ours_energy_work"] = res["ours_energy"][0] - gemm
    res["energy_base_svd"] = sum(l["baseSVD"] for l in energy["layers"])
    res["full_per_task"] = performance.get("perTaskSeconds", 0.0)
    res["full_base_svd"] = performance.get("baseSVDSeconds", 0.0)
    res["full_intruders"] = performance.get("intruderSeconds", 0.0)
    res["full_jobs"] = performance.get("jobs", 1)
    res["full_blas_threads"] = performance.get("blasThreads", 0)
    res["intruder_fallbacks"] = performance.get("intruderFallbacks", 0)
    print(f"   max|ΔE| {res['diff']}; per-model {per_model:.2f} s vs GEMMs {gemm:.2f} s", file=sys.stderr)
    return res


def table(results):
    lines = ["| family | T | ours-full s | ours-energy s | (b) numpy s | (a) FusionBench-style s | ours-energy speed-up vs (a) | vs (b) | per-model / GEMM | peak RSS ours-full (× working set) | ours-energy RSS (×) | (b) RSS | (a) RSS | max abs ΔE (ours vs b / vs a) | load before→after |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        ours_e, numpy_t = r["ours_energy_work"], r["numpy"][0]
        fb = f"{r['fb'][0]:.1f}" if "fb" in r else "skipped"
        vs_fb = f"{r['fb'][0] / ours_e:.1f}×" if "fb" in r else "–"
        eff = f"{r['energy_per_model'] / r['gemm']:.2f}" if r["gemm"] > 0 else "–"
        ws = r["working_set"]
        lines.append(
            f"| {r['label']} | {r['tasks']} | {r['ours_full'][0]:.1f} | {ours_e:.1f} | {numpy_t:.1f} | {fb} | {vs_fb} | {numpy_t / ours_e:.2f}× | {eff} | "
            f"{describe(r['ours_full'][1])} ({r['ours_full'][1] / ws:.2f}×) | {describe(r['ours_energy'][1])} ({r['ours_energy'][1] / ws:.2f}×) | {describe(r['numpy'][1])} | "
            f"{describe(r['fb'][1]) if 'fb' in r else '–'} | {r['diff']['energy-vs-numpy']:.1e} / {r['diff'].get('energy-vs-fb', float('nan')):.1e} | {r['load_before'][0]:.2f}→{r['load_after'][0]:.2f} |")
    return "\n".join(lines)


def notes(results):
    text = ""
    for r in results:
        if "extrapolated_32_blocks" in r:
            text += (f"\n\nScale check: one 7B decoder block (base + 4 BF16 fine-tunes) end to end in {r['ours_full'][0]:.0f} s with "
                     f"peak RSS {describe(r['ours_full'][1])} (default --jobs, --max-memory 8G: {r['full_jobs']} × {r['full_blas_threads']}); a 32-block model extrapolates to {r['extrapolated_32_blocks'] / 3600:.1f} h "
                     f"(energy maps only: {r['ours_energy_work'] * 32 / 60:.0f} min).")
        if "fb_note" in r:
            text += f"\n\n(a) on {r['label']}, T = {r['tasks']}: skipped — {r['fb_note']}."
    return text


def detail(results):
    lines = ["| family | ours-full: base SVDs s | per-task s (intruders s) | jobs × BLAS threads | intruder fallbacks | ours-energy: base SVDs s | per-model s | GEMMs s | full vs energy max abs ΔE |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['label']} | {r['full_base_svd']:.1f} | {r['full_per_task']:.1f} ({r['full_intruders']:.1f}) | {r['full_jobs']} × {r['full_blas_threads']} | {r['intruder_fallbacks']} | "
                     f"{r['energy_base_svd']:.1f} | {r['energy_per_model']:.2f} | {r['gemm']:.2f} | {r['diff']['full-vs-energy']:.1e} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="MiniLM and the 768² family only")
    parser.add_argument("--workdir", default=os.environ.get("TMPDIR", "/tmp") + "/smile-inspect-bench")
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build-bench", "release"))
    parser.add_argument("--max-load", type=float, default=1.5, help="wait for the 1-minute load to drop below this before each family")
    parser.add_argument("--max-wait", type=float, default=600, help="seconds to wait for a quiet machine, per family")
    parser.add_argument("--report", help="also write the tables (markdown) to this file")
    parser.add_argument("--keep", action="store_true", help="keep the generated families")
    parser.add_argument("--fb-t8", action="store_true", help="also run (a) on the 4096² family at T = 8")
    parser.add_argument("--only", help="comma-separated subset of: minilm,768,4096,14336x4096,block7b,block7b-lowrank")
    parser.add_argument("--no-fb", action="store_true", help="skip (a) everywhere (it is the slowest pipeline)")
    parser.add_argument("--from-results", help="only print the tables of an earlier run's results.json")
    args = parser.parse_args()
    if args.from_results:
        results = json.load(open(args.from_results))
        for r in results:
            r.setdefault("ours_energy_work", r["ours_energy"][0] - r["gemm"])
        print("\n".join([table(results), "", detail(results), notes(results)]))
        return
    args.smile_inspect = os.path.join(args.bin, "smile-inspect")
    args.smile_bench = os.path.join(args.bin, "smile-bench")
    os.makedirs(args.workdir, exist_ok=True)
    minilm = os.path.join(os.path.dirname(ROOT), "shared", "models", "minilm-l6")

    header = [f"date: {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}",
              f"machine: {platform.machine()}, {os.cpu_count()} cores ({cpu_model()}), {mem_total()} RAM",
              f"commit: {git_commit()}",
              f"smile-inspect OpenBLAS: system ({openblas_version()}), env OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')} OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', '(unset)')}",
              f"numpy {numpy_version()} BLAS (CORETYPE/L2_SIZE unset): {json.dumps(numpy_blas_info())}",
              f"load average at start: {' '.join(f'{x:.2f}' for x in load_average())}"]
    print("\n".join(header), file=sys.stderr)
    results = []
    only = set(args.only.split(",")) if args.only else None
    if os.path.isdir(minilm) and (only is None or "minilm" in only):
        models = [os.path.join(minilm, f"full-{t}") for t in ("mansec", "codelang", "pyeco")]
        shapes = [(384, 384)] * 4 + [(1536, 384), (384, 1536)]
        results.append(case(args, "MiniLM-L6 full (real, 12 layers)", os.path.join(minilm, "base"), models, shapes * 2, 3, not args.no_fb, "--no-fb"))
    specs = [("768", [(f"encoder.layer.{b}.{p}.weight", 768, 768) for b in range(2) for p in ("q", "k", "v", "o")], 8, "F32")]
    if not args.quick:
        specs += [("4096", [("model.layers.0.self_attn.q_proj.weight", 4096, 4096)], 8, "F32"),
                  ("14336x4096", [("model.layers.0.mlp.gate_proj.weight", 14336, 4096)], 4, "F32"),
                  ("block7b", make_family.BLOCK_7B, 4, "BF16")]
    # The same block with updates whose 90%-energy subspace is small, as real fine-tunes' are (5% noise:
    # rank90 ≈ 15 instead of 1401–2180); only with --only (not part of the default run).
    if only is not None and "block7b-lowrank" in only:
        specs.append(("block7b-lowrank", make_family.BLOCK_7B, 4, "BF16"))
    specs = [spec for spec in specs if only is None or spec[0] in only]
    for key, layers, tasks, dtype in specs:
        directory = os.path.join(args.workdir, f"family-{key}")
        t = time.perf_counter()
        noise = 0.05 if key == "block7b-lowrank" else 0.4
        base, models = make_family.write_family(directory, layers, tasks, dtype=dtype, seed=len("block7b") if key == "block7b-lowrank" else len(key), noise=noise)
        print(f"\n(generated {directory} in {time.perf_counter() - t:.0f} s)", file=sys.stderr)
        shapes = [(m, n) for _, m, n in layers]
        big = max(max(s) for s in shapes)
        for t_count in ([4, 8] if tasks == 8 else [4]):
            label = {"768": f"synthetic 768×768 (8 layers)", "4096": "synthetic 4096×4096", "14336x4096": "synthetic 14336×4096",
                     "block7b": "7B decoder block, BF16 (q,k,v,o 4096², gate/up 14336×4096, down 4096×14336)",
                     "block7b-lowrank": "7B decoder block, BF16, updates with 5% noise (rank90 small)"}[key]
            run_fb = big <= 4096 and not (key == "4096" and t_count == 8 and not args.fb_t8) and not args.no_fb
            note = ("--no-fb" if args.no_fb and big <= 4096 else "would need a 14336×14336 U (0.77 GiB float32) from a full SVD of each module for every model — about 4 TFLOP per "
                    "SVD and chain product, tens of minutes per model on 2 cores" if big > 4096 else
                    "not run at T = 8 (about twice the T = 4 time: its cost is linear in T, two SVDs per model; pass --fb-t8)")
            results.append(case(args, label, base, models[:t_count], shapes, t_count, run_fb, note,
                                max_memory="8G" if key.startswith("block7b") else None))
        if key.startswith("block7b"):
            r = results[-1]
            r["extrapolated_32_blocks"] = r["ours_full"][0] * 32
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)
    text = "\n".join(["```", *header, "```", "", table(results), "", detail(results), notes(results)])
    print(text)
    if args.report:
        open(args.report, "w").write(text + "\n")
    json.dump(results, open(os.path.join(args.workdir, "results.json"), "w"), indent=1, default=str)


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def mem_total():
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / (1 << 20):.0f} GiB"
    except OSError:
        pass
    return "?"


def git_commit():
    try:
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
        return commit + (" + uncommitted changes" if dirty else "")
    except OSError:
        return "?"


def openblas_version():
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libopenblas0-pthread"], capture_output=True, text=True).stdout
        return "OpenBLAS " + out if out else "version unknown"
    except OSError:
        return "version unknown"


def numpy_version():
    import numpy
    return numpy.__version__


if __name__ == "__main__":
    main()
