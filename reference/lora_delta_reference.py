#!/usr/bin/env python3
"""Reference values for a real LoRA update, computed in float64 with numpy only.

Reads lora-mansec (adapter_config.json + adapter_model.safetensors) and the base model of the MiniLM
family, forms dW = (lora_alpha / r) * B @ A for encoder.layer.0.attention.self.query (PEFT's update
for a non-rsLoRA, non-fan_in_fan_out adapter), and writes
Tests/AnalysisTests/Fixtures/lora_mansec_query_delta.json with its shape, scale, Frobenius norm, a few
entries, and the same entries of W_pre + dW.

Usage (from the repository root):
    python3 reference/lora_delta_reference.py [MINILM_DIR]   # default ../shared/models/minilm-l6
"""
import json
import os
import struct
import sys

import numpy as np

MODULE = "encoder.layer.0.attention.self.query"


def read_tensor(path, name):
    """One tensor of a safetensors file as float64, parsed with the json module and numpy."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        entry = header[name]
        assert entry["dtype"] == "F32", entry
        begin, end = entry["data_offsets"]
        f.seek(8 + length + begin)
        raw = f.read(end - begin)
    return np.frombuffer(raw, dtype="<f4").astype(np.float64).reshape(entry["shape"])


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    family = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared", "models", "minilm-l6")
    adapter = os.path.join(family, "lora-mansec")
    with open(os.path.join(adapter, "adapter_config.json")) as f:
        config = json.load(f)
    assert config["peft_type"] == "LORA" and not config["use_rslora"] and not config["fan_in_fan_out"]
    assert not config["rank_pattern"] and not config["alpha_pattern"]
    scale = config["lora_alpha"] / config["r"]

    weights = os.path.join(adapter, "adapter_model.safetensors")
    a = read_tensor(weights, f"base_model.model.{MODULE}.lora_A.weight")
    b = read_tensor(weights, f"base_model.model.{MODULE}.lora_B.weight")
    delta = scale * (b @ a)
    base = read_tensor(os.path.join(family, "base", "model.safetensors"), f"{MODULE}.weight")

    largest = np.unravel_index(np.argmax(np.abs(delta)), delta.shape)
    positions = [(0, 0), (1, 2), (17, 300), (383, 383), (200, 5), (int(largest[0]), int(largest[1]))]
    result = {
        "weight": f"{MODULE}.weight",
        "shape": list(delta.shape),
        "scale": scale,
        "frobenius_norm": float(np.linalg.norm(delta)),
        "entries": [[i, j, float(delta[i, j])] for i, j in positions],
        "fine_tuned_entries": [[i, j, float(base[i, j] + delta[i, j])] for i, j in positions],
    }
    out = os.path.join(root, "Tests", "AnalysisTests", "Fixtures", "lora_mansec_query_delta.json")
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
