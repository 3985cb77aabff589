"""Scale-out measurements for the README's "Scale out" section (issue 13).

On one synthetic family of four 4096×4096 layers (make_family.py, BF16, T fine-tunes):
  1. one process: `smile-inspect model --store S1`;
  2. two shards as two concurrent processes (`--shard 0/2`, `--shard 1/2` into S2), then `report --store S2`;
  3. a run killed with SIGKILL after its first stored layer, then resumed: layers reused and recomputed;
  4. re-judging from the store: `mergeable --store S1 --residual-risky 0.25` (best of 5).
Checks that the combined and resumed reports equal the single-process JSON (apart from `performance`).

    python3 benchmarks/scale_out.py --binary .build/release/smile-inspect [--tasks 4] [--layers 4] [--dir DIR]
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import make_family  # noqa: E402


def load():
    return os.getloadavg()[0]


def report_json(text):
    data = json.loads(text)
    data.pop("performance", None)
    return data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "smile-inspect-scale-out"))
    parser.add_argument("--store", help="also time re-judging from this existing store")
    args = parser.parse_args()
    layers = [(f"model.layers.{i}.self_attn.o_proj.weight", 4096, 4096) for i in range(args.layers)]
    family = os.path.join(args.dir, "family")
    t0 = time.time()
    base, models = make_family.write_family(family, layers, args.tasks, dtype="BF16", seed=13)
    print(f"family: {args.layers} layers 4096x4096, T = {args.tasks}, BF16 ({time.time() - t0:.0f} s to write)", flush=True)
    common = [args.binary, "model", "--base", base, "--models", *models, "--quiet", "--format", "json"]
    results = {}

    def fresh(name):
        path = os.path.join(args.dir, name)
        shutil.rmtree(path, ignore_errors=True)
        return path

    s1 = fresh("store-single")
    before = load()
    t = time.time()
    single = subprocess.run(common + ["--store", s1], check=True, capture_output=True, text=True).stdout
    results["single"] = (time.time() - t, before, load())
    print(f"single process: {results['single'][0]:.1f} s (load {before:.1f} -> {load():.1f})", flush=True)

    s2 = fresh("store-shards")
    before = load()
    t = time.time()
    shards = [subprocess.Popen(common + ["--store", s2, "--shard", f"{i}/2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(2)]
    for p in shards:
        assert p.wait() == 0
    shard_wall = time.time() - t
    t = time.time()
    combined = subprocess.run([args.binary, "report", "--store", s2, "--format", "json"], check=True, capture_output=True, text=True).stdout
    results["shards"] = (shard_wall, time.time() - t, before, load())
    print(f"two shards (2 processes): {shard_wall:.1f} s, combine {results['shards'][1]:.2f} s (load {before:.1f} -> {load():.1f}); "
          f"equal to single: {report_json(combined) == report_json(single)}", flush=True)

    s3 = fresh("store-killed")
    t = time.time()
    p = subprocess.Popen(common + ["--store", s3, "--jobs", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    records = os.path.join(s3, "records")
    while p.poll() is None and not (os.path.isdir(records) and any(not f.startswith(".") for f in os.listdir(records))):
        time.sleep(0.01)
    killed_after = time.time() - t
    p.send_signal(signal.SIGKILL)
    p.wait()
    kept = sorted(f for f in os.listdir(records) if not f.startswith("."))
    t = time.time()
    resumed = subprocess.run(common[:-3] + ["--format", "json", "--store", s3, "--jobs", "1"], check=True, capture_output=True, text=True)
    resume_wall = time.time() - t
    line = next((l for l in resumed.stderr.splitlines() if l.startswith("store:")), "")
    print(f"killed after {killed_after:.1f} s with {len(kept)} of {args.layers} layers stored; resumed in {resume_wall:.1f} s: {line}; "
          f"equal to single: {report_json(resumed.stdout) == report_json(single)}", flush=True)

    for store in [s1] + ([args.store] if args.store else []):
        times = []
        for _ in range(5):
            t = time.time()
            r = subprocess.run([args.binary, "mergeable", "--store", store, "--residual-risky", "0.25"], capture_output=True, text=True)
            times.append(time.time() - t)
        print(f"re-judging {store} ({len(os.listdir(os.path.join(store, 'records')))} records): best {min(times) * 1000:.0f} ms of 5 (exit {r.returncode})", flush=True)


if __name__ == "__main__":
    main()
