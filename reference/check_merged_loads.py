#!/usr/bin/env python3
"""Checks that checkpoints written by `smile-inspect merge` load with transformers, unchanged.

For each DIR: `AutoModel.from_pretrained(DIR, output_loading_info=True)` must report no missing, unexpected
or mismatched keys; every parameter and buffer of the loaded model must equal the tensor of the same name in
DIR's safetensors files (bit for bit, in the stored dtype); `AutoTokenizer.from_pretrained(DIR)` must load
(the tokenizer files were copied) and one forward pass must give finite outputs.

  /tmp/realtasks-venv/bin/python reference/check_merged_loads.py DIR [DIR ...]
Exit status 0 when every DIR passes, 1 otherwise (one line per failure).
"""
import json, os, sys

import torch
from safetensors.torch import load_file
from transformers import AutoModel, AutoTokenizer


def stored(directory):
    index = os.path.join(directory, "model.safetensors.index.json")
    if os.path.exists(index):
        out = {}
        for shard in sorted(set(json.load(open(index))["weight_map"].values())):
            out.update(load_file(os.path.join(directory, shard)))
        return out
    return load_file(os.path.join(directory, "model.safetensors"))


def check(directory):
    model, info = AutoModel.from_pretrained(directory, output_loading_info=True)
    problems = [f"{k}: {v}" for k, v in info.items() if v and k != "error_msgs"] + list(info.get("error_msgs", []))
    tensors = stored(directory)
    loaded = dict(model.state_dict())
    prefix = getattr(model, "base_model_prefix", "") + "."
    for name, value in loaded.items():
        key = name if name in tensors else (prefix + name if prefix + name in tensors else None)
        if key is None:
            continue
        if not torch.equal(value.to(tensors[key].dtype), tensors[key]):
            problems.append(f"{name}: loaded values differ from the file")
    compared = sum(1 for n in loaded if n in tensors or prefix + n in tensors)
    tokenizer = AutoTokenizer.from_pretrained(directory)
    batch = tokenizer(["merged models load", "with transformers"], padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(**batch).last_hidden_state
    if not torch.isfinite(out).all():
        problems.append("forward pass gives non-finite outputs")
    return problems, compared, len(tensors)


def main():
    failed = False
    for directory in sys.argv[1:]:
        problems, compared, count = check(directory)
        if problems:
            failed = True
            for p in problems:
                print(f"{directory}: {p}")
        else:
            print(f"{directory}: loads with AutoModel; {compared} of {count} stored tensors compared equal; forward finite")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
