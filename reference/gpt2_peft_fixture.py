#!/usr/bin/env python3
"""Writes Tests/AnalysisTests/Fixtures/gpt2/: a tiny GPT-2 (transformers, Conv1D weights stored in × out),
a PEFT LoRA adapter on its Conv1D layers c_attn and c_fc (PEFT sets fan_in_fan_out itself), and the same
adapter merged into the weights by PEFT (`merge_and_unload`). The Swift test checks that the adapter and
the merged model give the same updates, analysed out × in.

Needs torch, transformers and peft (not run by the test suite; its small output is committed).
"""
import json
import os
import shutil

import torch
from peft import LoraConfig, get_peft_model
from transformers import GPT2Config, GPT2LMHeadModel

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "AnalysisTests", "Fixtures", "gpt2")


def main():
    torch.manual_seed(20241201)
    shutil.rmtree(OUT, ignore_errors=True)
    config = GPT2Config(vocab_size=16, n_positions=8, n_embd=8, n_layer=1, n_head=2, bos_token_id=0, eos_token_id=0)
    GPT2LMHeadModel(config).save_pretrained(os.path.join(OUT, "base"))
    model = get_peft_model(GPT2LMHeadModel.from_pretrained(os.path.join(OUT, "base")),
                           LoraConfig(r=2, lora_alpha=4, target_modules=["c_attn", "c_fc"]))
    for name, parameter in model.named_parameters():
        if "lora_B" in name:  # PEFT initialises B to zero; a nonzero update is the point
            torch.nn.init.normal_(parameter, std=0.3)
    model.save_pretrained(os.path.join(OUT, "lora"))
    model.merge_and_unload().save_pretrained(os.path.join(OUT, "merged"))
    adapter_config = os.path.join(OUT, "lora", "adapter_config.json")
    with open(adapter_config) as f:
        settings = json.load(f)
    settings["base_model_name_or_path"] = "../base"  # not this machine's absolute path
    with open(adapter_config, "w") as f:
        json.dump(settings, f, indent=2, sort_keys=True)
    for directory in ["base", "lora", "merged"]:
        for extra in ["README.md", "generation_config.json"]:
            path = os.path.join(OUT, directory, extra)
            if os.path.exists(path):
                os.remove(path)


if __name__ == "__main__":
    main()
