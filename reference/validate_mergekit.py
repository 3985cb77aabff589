#!/usr/bin/env python3
"""Validate mergekit configs written by `smile-inspect mergeable --emit-mergekit` with mergekit itself,
by running them.

    pip install mergekit
    python3 reference/validate_mergekit.py --tiny-llama /tmp/fam      # optional: a tiny Llama family
    smile-inspect mergeable --base /tmp/fam/base --models /tmp/fam/ft0 /tmp/fam/ft1 --emit-mergekit plan.yml
    python3 reference/validate_mergekit.py plan.yml plan.group-*.yml
    python3 reference/validate_mergekit.py --binary .build/release/smile-inspect --check-loads plan.yml

For each file:
1. it is read with PyYAML (what mergekit-yaml uses) and validated by mergekit's
   MergeConfiguration.model_validate; the task-arithmetic shape smile-inspect writes is checked
   (merge_method, base_model, normalize false, one numeric weight per model);
2. `mergekit-yaml FILE OUT` runs unchanged (CPU; with `--lora-merge-cache DIR` when a model is a LoRA adapter,
   as the config's `# run:` comment says) in a temporary directory;
3. every tensor of the merged model is compared with base + sum_i w_i (model_i - base) computed in numpy
   float64 from the inputs' safetensors (max |difference| / max |expected| must stay below 1e-6 for
   float32 inputs, 1e-2 for 16-bit ones). Configs naming LoRA adapters (`base+adapter`) are run but not
   compared (the expected value needs the adapter applied).
With `--binary BIN`, the `smile-inspect merge` command the config's comments recommend is run too (BIN in
place of `smile-inspect`, a temporary directory in place of OUTPUT_DIR); with `--check-loads`, both outputs
(mergekit's and smile-inspect's) go through check_merged_loads.py (transformers AutoModel, every tensor
unchanged, tokenizer, finite forward) — for complete checkpoints only (the minilm-l6 slices hold 2 of 6
layers, so AutoModel reports the others missing).
Prints one line per file; exits 1 on the first failure. Not run in CI: it needs mergekit and torch.

mergekit 0.1.5 cannot merge BERT models at all (whatever the config): plan.py's plan_tensor does
`[w_in.name] + (w_in.aliases or [])` with a tuple of aliases, a TypeError for every architecture whose
definition lists aliases (bert, distilbert, gpt2; reported in huggingface/sentence-transformers#3776). When
`mergekit-yaml` fails with exactly that error, the script says so and runs mergekit-yaml's own entry point
again with that one line fixed in memory (`list(w_in.aliases or [])`), the config file unchanged.

`--tiny-llama DIR` writes DIR/base, DIR/ft0, DIR/ft1: a 2-layer LlamaForCausalLM (hidden 64, the shapes of
Tests/AnalysisTests/Upscaling/TinyLlamaFamily.swift) in float32, each fine-tune a random low-rank update
of every projection, with config.json but no tokenizer (mergekit-yaml does not need one).
"""

import argparse
import glob
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import yaml
from safetensors.numpy import load_file, save_file

HIDDEN, INTERMEDIATE, HEADS, KV_HEADS, VOCAB, LAYERS = 64, 128, 4, 2, 96, 2


def llama_shapes(hidden, intermediate, heads, kv_heads):
    """The seven projections of one Llama decoder layer: {suffix: (out, in)}."""
    head_dim = hidden // heads
    return {"self_attn.q_proj": (hidden, hidden), "self_attn.k_proj": (kv_heads * head_dim, hidden),
            "self_attn.v_proj": (kv_heads * head_dim, hidden), "self_attn.o_proj": (hidden, hidden),
            "mlp.gate_proj": (intermediate, hidden), "mlp.up_proj": (intermediate, hidden),
            "mlp.down_proj": (hidden, intermediate)}


def llama_config(hidden, intermediate, heads, kv_heads, vocab, layers, dtype):
    """config.json of a LlamaForCausalLM with these sizes (what mergekit-yaml reads)."""
    return {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": hidden,
            "intermediate_size": intermediate, "num_hidden_layers": layers, "num_attention_heads": heads,
            "num_key_value_heads": kv_heads, "vocab_size": vocab, "max_position_embeddings": 128,
            "rms_norm_eps": 1e-6, "hidden_act": "silu", "tie_word_embeddings": False, "torch_dtype": dtype,
            "bos_token_id": 1, "eos_token_id": 2}


def tiny_llama(directory):
    rng = np.random.default_rng(7)
    shapes = llama_shapes(HIDDEN, INTERMEDIATE, HEADS, KV_HEADS)
    base = {"model.embed_tokens.weight": rng.standard_normal((VOCAB, HIDDEN)) * 0.5,
            "lm_head.weight": rng.standard_normal((VOCAB, HIDDEN)) * 0.2,
            "model.norm.weight": 1 + 0.1 * rng.standard_normal(HIDDEN)}
    for layer in range(LAYERS):
        base[f"model.layers.{layer}.input_layernorm.weight"] = np.ones(HIDDEN)
        base[f"model.layers.{layer}.post_attention_layernorm.weight"] = np.ones(HIDDEN)
        for name, (out, inp) in shapes.items():
            base[f"model.layers.{layer}.{name}.weight"] = rng.standard_normal((out, inp)) / np.sqrt(inp)
    config = llama_config(HIDDEN, INTERMEDIATE, HEADS, KV_HEADS, VOCAB, LAYERS, "float32")
    models = {"base": base}
    for index in range(2):
        tensors = dict(base)
        for key, value in base.items():
            if value.ndim == 2 and ".layers." in key:
                b = rng.standard_normal((value.shape[0], 6)) * 0.05
                a = rng.standard_normal((6, value.shape[1])) / np.sqrt(value.shape[1])
                tensors[key] = value + b @ a
        models[f"ft{index}"] = tensors
    for name, tensors in models.items():
        path = os.path.join(directory, name)
        os.makedirs(path, exist_ok=True)
        save_file({k: v.astype(np.float32) for k, v in tensors.items()}, os.path.join(path, "model.safetensors"))
        with open(os.path.join(path, "config.json"), "w") as f:
            json.dump(config, f)
    print("tiny Llama family in %s: base, ft0, ft1" % directory)


def load_model(path):
    tensors = {}
    for file in sorted(glob.glob(os.path.join(path, "*.safetensors"))) if os.path.isdir(path) else [path]:
        tensors.update(load_file(file))
    return tensors


ALIAS_BUG = 'can only concatenate list (not "tuple") to list'
ALIAS_FIX = """
import inspect, sys, textwrap
import mergekit.plan as plan
source = textwrap.dedent(inspect.getsource(plan.MergePlanner.plan_tensor))
fixed = source.replace("[w_in.name] + (w_in.aliases or [])", "[w_in.name] + list(w_in.aliases or [])")
assert fixed != source, "mergekit's plan_tensor changed; the alias fix no longer applies"
namespace = dict(vars(plan))
exec(compile(fixed, plan.__file__, "exec"), namespace)
plan.MergePlanner.plan_tensor = namespace["plan_tensor"]
from mergekit.scripts.run_yaml import main
sys.argv = ["mergekit-yaml"] + sys.argv[1:]
main()
"""


def run_mergekit(path, out, options):
    """Runs `mergekit-yaml path out options`; on mergekit 0.1.5's BERT alias TypeError, again with that line
    fixed. Returns a note for the report ('' when mergekit ran unpatched)."""
    beside = os.path.join(os.path.dirname(sys.executable), "mergekit-yaml")
    command = beside if os.path.exists(beside) else "mergekit-yaml"
    run = subprocess.run([command, path, out] + options, capture_output=True, text=True)
    note = ""
    if run.returncode != 0 and ALIAS_BUG in run.stderr:
        note = " (mergekit's BERT alias TypeError in plan_tensor; ran again with list(w_in.aliases) fixed in memory)"
        shutil.rmtree(out, ignore_errors=True)
        run = subprocess.run([sys.executable, "-c", ALIAS_FIX, path, out] + options, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("%s: mergekit-yaml failed (exit %d)%s:\n%s" % (path, run.returncode, note, run.stderr[-4000:]))
    return note


def recommended_command(path):
    """The `smile-inspect merge ...` command line the config's comments name, as a list of words."""
    for line in open(path):
        words = line.lstrip("#").strip()
        if line.startswith("#") and words.startswith("smile-inspect merge --"):
            return shlex.split(words)
    return None


def check_loads(directory):
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_merged_loads.py")
    run = subprocess.run([sys.executable, script, directory], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("%s: does not load with transformers:\n%s%s" % (directory, run.stdout[-3000:], run.stderr[-3000:]))
    return run.stdout.strip().rsplit(": ", 1)[-1]


def validate(path, binary=None, loads=False):
    from mergekit.config import MergeConfiguration

    with open(path) as f:
        data = yaml.safe_load(f)
    config = MergeConfiguration.model_validate(data)
    assert config.merge_method == "task_arithmetic", config.merge_method
    assert config.base_model is not None
    assert config.parameters == {"normalize": False}, config.parameters
    weights = [m.parameters["weight"] for m in config.models]
    assert all(isinstance(w, float) for w in weights), weights
    names = [m["model"] for m in data["models"]]

    out = tempfile.mkdtemp(prefix="validate-mergekit-")
    ours = tempfile.mkdtemp(prefix="validate-recommended-")
    cache = tempfile.mkdtemp(prefix="validate-lora-cache-")
    lora = any("+" in name and not os.path.exists(name) for name in names)
    try:
        # the config's `# run:` comment asks for --lora-merge-cache when a model is base+adapter
        note = run_mergekit(path, out, ["--lora-merge-cache", cache] if lora else [])
        if binary:
            command = recommended_command(path)
            if command is None:
                sys.exit("%s: no '# smile-inspect merge ...' comment naming the recommended merge" % path)
            command = [binary] + [ours if w == "OUTPUT_DIR" else w for w in command[1:]] + ["--force", "--quiet"]
            run = subprocess.run(command, capture_output=True, text=True)
            if run.returncode != 0:
                sys.exit("%s: the recommended command failed (exit %d): %s" % (path, run.returncode, run.stderr[-2000:]))
            print("%s: the recommended command ran: %s" % (path, " ".join(shlex.quote(w) for w in command[1:])))
        if loads:
            print("%s: mergekit's output %s; recommended merge's output %s"
                  % (path, check_loads(out), check_loads(ours) if binary else "not written"))
        if lora:
            print("%s: mergekit-yaml ran%s (%d models onto %s, weights %s); LoRA inputs, merged weights not compared"
                  % (path, note, len(names), data["base_model"], weights))
            return
        base = load_model(data["base_model"])
        models = [load_model(name) for name in names]
        merged = load_model(out)
        worst = 0.0
        weights_of = {k: v for k, v in base.items() if np.issubdtype(v.dtype, np.floating)}
        tolerance = 1e-6 if all(v.dtype == np.float32 for v in weights_of.values()) else 1e-2
        # buffers (integer position_ids) and tensors the fine-tunes do not hold are not merged
        compared = [k for k in weights_of if all(k in m for m in models)]
        missing = sorted(k for k in compared if k not in merged)
        if missing:
            sys.exit("%s: mergekit's output lacks %d merged tensors, e.g. %s" % (path, len(missing), missing[0]))
        for key in compared:
            value = base[key]
            expected = value.astype(np.float64) + sum(w * (m[key].astype(np.float64) - value.astype(np.float64))
                                                      for w, m in zip(weights, models))
            got = merged[key].astype(np.float64)
            assert got.shape == expected.shape, (key, got.shape, expected.shape)
            error = np.abs(got - expected).max() / max(np.abs(expected).max(), 1e-30)
            worst = max(worst, error)
            if error > tolerance:
                sys.exit("%s: %s differs from base + sum w_i tau_i by %.3g (relative)" % (path, key, error))
        print("%s: mergekit-yaml ran%s; %d tensors equal base + sum w_i tau_i (weights %s) to %.2g relative"
              "%s" % (path, note, len(compared), weights, worst,
                      "" if len(compared) == len(base) else " (%d of the base's tensors not merged: buffers or absent "
                      "from a fine-tune)" % (len(base) - len(compared))))
    finally:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(ours, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    if sys.argv[1] == "--tiny-llama":
        tiny_llama(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("configs", nargs="+")
    parser.add_argument("--binary", help="run the recommended `smile-inspect merge` command with this binary")
    parser.add_argument("--check-loads", action="store_true", help="load both outputs with transformers")
    args = parser.parse_args()
    for path in args.configs:
        validate(path, args.binary, args.check_loads)


if __name__ == "__main__":
    main()
