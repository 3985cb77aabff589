#!/usr/bin/env python3
"""`smile-inspect check` on a sharded Llama-3-70B-shaped family whose safetensors files are headers
followed by holes (os.truncate; no data byte is written): base + three fine-tunes (identical, other
rope_theta, 60 layers), 30 shards and ~141 GB apparent size each. Prints the wall time, CPU time and
peak RSS of the `check` process (getrusage of the reaped child), and its exit status.

    python3 benchmarks/check_scale.py [--binary .build/release/smile-inspect] [--dir DIR] [--keep]

Standard library only. The family goes to DIR (default $TMPDIR/smile-inspect-check-scale) and is
deleted afterwards unless --keep.
"""
import argparse
import json
import os
import resource
import shutil
import struct
import subprocess
import tempfile
import time

LAYER = [("self_attn.q_proj.weight", [8192, 8192]), ("self_attn.k_proj.weight", [1024, 8192]), ("self_attn.v_proj.weight", [1024, 8192]),
         ("self_attn.o_proj.weight", [8192, 8192]), ("mlp.gate_proj.weight", [28672, 8192]), ("mlp.up_proj.weight", [28672, 8192]),
         ("mlp.down_proj.weight", [8192, 28672]), ("input_layernorm.weight", [8192]), ("post_attention_layernorm.weight", [8192])]


def tensors(layers):
    out = [("model.embed_tokens.weight", [128256, 8192]), ("lm_head.weight", [128256, 8192]), ("model.norm.weight", [8192])]
    for i in range(layers):
        out += [(f"model.layers.{i}.{name}", shape) for name, shape in LAYER]
    return out


def config(layers=80, rope_theta=500000):
    return {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8192, "intermediate_size": 28672,
            "num_attention_heads": 64, "num_key_value_heads": 8, "num_hidden_layers": layers, "vocab_size": 128256,
            "max_position_embeddings": 131072, "rope_theta": rope_theta, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
            "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"}}


def write(directory, entries, shards, cfg):
    os.makedirs(directory)
    per = -(-len(entries) // shards)
    weight_map = {}
    for s in range(shards):
        part = entries[s * per:(s + 1) * per]
        name = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        header, offset = {"__metadata__": {"format": "pt"}}, 0
        for tensor, shape in part:
            size = 2
            for d in shape:
                size *= d
            header[tensor] = {"dtype": "BF16", "shape": shape, "data_offsets": [offset, offset + size]}
            offset += size
            weight_map[tensor] = name
        text = json.dumps(header).encode()
        text += b" " * (-len(text) % 8)
        path = os.path.join(directory, name)
        with open(path, "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text)
        os.truncate(path, 8 + len(text) + offset)
    with open(os.path.join(directory, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(cfg, f)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/smile-inspect")
    parser.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "smile-inspect-check-scale"))
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    shutil.rmtree(args.dir, ignore_errors=True)
    family = {"base": (tensors(80), 30, config()), "ft-same": (tensors(80), 30, config()),
              "ft-rope": (tensors(80), 29, config(rope_theta=1000000)), "ft-60-layers": (tensors(60), 23, config(layers=60))}
    for name, (entries, shards, cfg) in family.items():
        write(os.path.join(args.dir, name), entries, shards, cfg)
    models = [os.path.join(args.dir, m) for m in ("ft-same", "ft-rope", "ft-60-layers")]
    start = time.perf_counter()
    process = subprocess.Popen([args.binary, "check", "--base", os.path.join(args.dir, "base"), "--models", *models, "--format", "json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the one child, reaped by communicate()
    report = json.loads(stdout)
    print(f"check, 3 models of 723 BF16 tensors (~141 GB each, sparse): exit {process.returncode}, status {report['status']}, "
          f"wall {wall:.3f} s, CPU {usage.ru_utime + usage.ru_stime:.3f} s, peak RSS {usage.ru_maxrss / 1024:.1f} MB")
    print("  per model:", ", ".join(f"{m['name']} {m['status']}" for m in report["models"]), stderr.decode().strip())
    if not args.keep:
        shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
