#!/usr/bin/env python3
"""Write Tests/AnalysisTests/Fixtures/torch/ with real torch.save (and safetensors.torch for twins).

Fixtures for the Swift PyTorch reader (TorchCheckpointFile, RestrictedUnpickler, TorchZipArchive):

* state_dict.bin + state_dict.json: an OrderedDict of F32/F16/BF16/F64/I64/I32/I16/I8/U8/BOOL tensors,
  a 0-D tensor, an empty tensor, an nn.Parameter, two tensors sharing one storage (one at an offset), a
  transposed view and a strided slice at an offset. The JSON gives, per tensor, the safetensors dtype
  name, the shape and the values in row-major order as torch reads them back (torch.load with
  weights_only=True), as float64 ("inf"/"-inf"/"nan" spelled out).
* sharded/: pytorch_model-0000{1,2}-of-00002.bin + pytorch_model.bin.index.json, as transformers shards.
* legacy.bin: the pre-1.6 format (_use_new_zipfile_serialization=False), to be refused.
* module.bin: a whole nn.Linear pickled (torch.save(module)), whose globals are refused.
* family/{bin,safetensors}/{base,full,lora}: the same small family twice, as pytorch_model.bin /
  adapter_model.bin and as model.safetensors / adapter_model.safetensors; the full fine-tune's weight is
  saved from a transposed (non-contiguous) tensor in the .bin. The analysis of both must be identical.

Also writes the seed corpus of the `torch` fuzz target, fuzz/corpus/torch/: `valid-…` files are real
torch.save output (read completely by the Swift reader), `rule-…` files each break one rule (legacy
format, refused globals, lying pickles and zip directories) and are refused.

Usage (from the repository root): python3 reference/torch_fixtures.py
Deterministic: fixed seeds; torch.save output does not depend on time (the serialization id does, so the
.bin bytes differ between runs but their tensors do not).
"""
import collections
import json
import math
import os
import shutil
import struct
import zipfile

import torch
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "AnalysisTests", "Fixtures", "torch")
SEEDS = os.path.join(os.path.dirname(__file__), "..", "fuzz", "corpus", "torch")
NAMES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64", torch.int64: "I64",
         torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}


def number(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def state_dict():
    g = torch.Generator().manual_seed(15)
    sd = collections.OrderedDict()
    sd["f32.weight"] = torch.randn(3, 4, generator=g)
    sd["f16.weight"] = torch.tensor([1.5, -2.25, 65504.0, 6e-8, float("inf")], dtype=torch.float16)
    sd["bf16.weight"] = torch.randn(2, 3, generator=g).to(torch.bfloat16)
    sd["f64.weight"] = torch.randn(2, 2, generator=g, dtype=torch.float64)
    sd["i64.count"] = torch.tensor([-3, 0, 2**40], dtype=torch.int64)
    sd["i32.ids"] = torch.tensor([-7, 123456], dtype=torch.int32)
    sd["i16.ids"] = torch.tensor([-300, 300], dtype=torch.int16)
    sd["i8.ids"] = torch.tensor([-128, 0, 127], dtype=torch.int8)
    sd["u8.mask"] = torch.tensor([0, 255], dtype=torch.uint8)
    sd["bool.mask"] = torch.tensor([True, False, True])
    sd["scalar"] = torch.tensor(2.5)
    sd["empty"] = torch.zeros(0, 3)
    sd["param"] = torch.nn.Parameter(torch.arange(4, dtype=torch.float32))
    shared = torch.arange(12, dtype=torch.float32).reshape(4, 3)
    sd["shared.whole"] = shared
    sd["shared.tail"] = shared[2:]               # same storage, offset 6
    sd["view.transposed"] = shared.t()           # strides (1, 3)
    big = torch.arange(30, dtype=torch.float32).reshape(5, 6)
    sd["view.slice"] = big[1:4, 1::2]            # offset 7, strides (6, 2)
    return sd


def expected(sd):
    loaded = torch.load(os.path.join(OUT, "state_dict.bin"), weights_only=True)
    assert list(loaded) == list(sd)
    out = {}
    for name, t in loaded.items():
        assert torch.equal(t, sd[name].detach())
        out[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape),
                     "values": [number(v) for v in t.detach().to(torch.float64).reshape(-1).tolist()]}
    return out


def family():
    g = torch.Generator().manual_seed(16)
    base = {"layer.0.query.weight": torch.randn(12, 10, generator=g), "layer.0.query.bias": torch.randn(12, generator=g),
            "layer.1.dense.weight": torch.randn(10, 12, generator=g)}
    full = {k: v + 0.05 * torch.randn(v.shape, generator=g) for k, v in base.items()}
    full["layer.1.dense.weight"] = (full["layer.1.dense.weight"].t().contiguous()).t()   # non-contiguous view
    full["layer.0.query.weight"] = full["layer.0.query.weight"].to(torch.float16)
    lora = {"base_model.model.layer.0.query.lora_A.weight": 0.1 * torch.randn(2, 10, generator=g),
            "base_model.model.layer.0.query.lora_B.weight": 0.1 * torch.randn(12, 2, generator=g)}
    config = {"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["query"], "base_model_name_or_path": "tiny"}
    for form in ("bin", "safetensors"):
        for name, tensors in (("base", base), ("full", full)):
            d = os.path.join(OUT, "family", form, name)
            os.makedirs(d)
            if form == "bin":
                torch.save(tensors, os.path.join(d, "pytorch_model.bin"))
            else:
                save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(d, "model.safetensors"))
        d = os.path.join(OUT, "family", form, "lora")
        os.makedirs(d)
        with open(os.path.join(d, "adapter_config.json"), "w") as f:
            json.dump(config, f)
        if form == "bin":
            torch.save(lora, os.path.join(d, "adapter_model.bin"))
        else:
            save_file(lora, os.path.join(d, "adapter_model.safetensors"))
    assert not full["layer.1.dense.weight"].is_contiguous()


def stored_zip(path, entries):
    """A stored (uncompressed) zip of (name, bytes) entries, as torch.save lays them out."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in entries:
            z.writestr(name, data)


def tensor_pickle(numel=6, offset=0, shape=(2, 3), stride=(3, 1), storage=b"FloatStorage", key="0"):
    """A protocol-2 pickle of {"w": _rebuild_tensor_v2(storage, offset, shape, stride, False, {})}."""
    def string(text):
        data = text.encode()
        return b"X" + struct.pack("<I", len(data)) + data

    def ints(values):
        return b"(" + b"".join(b"J" + struct.pack("<i", v) for v in values) + b"t"

    return (b"\x80\x02}(" + string("w") + b"ctorch._utils\n_rebuild_tensor_v2\n(" + b"(" + string("storage")
            + b"ctorch\n" + storage + b"\n" + string(key) + string("cpu") + b"J" + struct.pack("<i", numel) + b"tQ"
            + b"J" + struct.pack("<i", offset) + ints(shape) + ints(stride) + b"\x89}tRu.")


def seeds():
    shutil.rmtree(SEEDS, ignore_errors=True)
    os.makedirs(SEEDS)
    valid = {"state-dict": "state_dict.bin", "shard": "sharded/pytorch_model-00002-of-00002.bin",
             "view-f16": "family/bin/full/pytorch_model.bin", "adapter": "family/bin/lora/adapter_model.bin"}
    for name, source in valid.items():
        shutil.copy(os.path.join(OUT, source), os.path.join(SEEDS, f"valid-{name}.bin"))
    floats = struct.pack("<6f", *range(6))
    stored_zip(os.path.join(SEEDS, "valid-hand-made.bin"),
               [("archive/data.pkl", tensor_pickle()), ("archive/byteorder", b"little"), ("archive/data/0", floats)])
    rules = {
        "os-system": b"\x80\x02cos\nsystem\n(X\x02\x00\x00\x00idtR.",
        "stack-global": b"\x80\x04\x8c\x05posix\x8c\x06system\x93.",
        "huge-string": b"\x80\x02X\xf0\xff\xff\xff.",
        "deep-nesting": b"\x80\x02)" + b"\x85" * 5000 + b".",
        "view-past-storage": tensor_pickle(offset=1),
        "broadcast-view": tensor_pickle(numel=1, shape=(1000, 1000), stride=(0, 0)),
        "negative-stride": tensor_pickle(stride=(-3, 1)),
        "unknown-storage": tensor_pickle(storage=b"QUInt8Storage"),
        "missing-storage": tensor_pickle(key="7"),
        "tensor-not-dict": b"\x80\x02]q\x00.",
    }
    for name, pickle in rules.items():
        stored_zip(os.path.join(SEEDS, f"rule-{name}.bin"),
                   [("archive/data.pkl", pickle), ("archive/byteorder", b"little"), ("archive/data/0", floats)])
    stored_zip(os.path.join(SEEDS, "rule-big-endian.bin"),
               [("archive/data.pkl", tensor_pickle()), ("archive/byteorder", b"big"), ("archive/data/0", floats)])
    with zipfile.ZipFile(os.path.join(SEEDS, "rule-deflated.bin"), "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", tensor_pickle())
        z.writestr("archive/data/0", floats)
    real = open(os.path.join(OUT, "state_dict.bin"), "rb").read()
    open(os.path.join(SEEDS, "rule-truncated.bin"), "wb").write(real[: len(real) // 2])
    open(os.path.join(SEEDS, "rule-no-end-record.bin"), "wb").write(real[:-22])
    lying = bytearray(real)
    lying[-6:-2] = struct.pack("<I", 0x7FFFFFFF)
    open(os.path.join(SEEDS, "rule-directory-offset.bin"), "wb").write(bytes(lying))
    for name in ("legacy", "module"):
        shutil.copy(os.path.join(OUT, f"{name}.bin"), os.path.join(SEEDS, f"rule-{name}.bin"))


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    sd = state_dict()
    torch.save(sd, os.path.join(OUT, "state_dict.bin"))
    with open(os.path.join(OUT, "state_dict.json"), "w") as f:
        json.dump(expected(sd), f, indent=1)
        f.write("\n")

    sharded = os.path.join(OUT, "sharded")
    os.makedirs(sharded)
    g = torch.Generator().manual_seed(17)
    shards = {"pytorch_model-00001-of-00002.bin": {"a.weight": torch.randn(3, 2, generator=g)},
              "pytorch_model-00002-of-00002.bin": {"b.weight": torch.randn(2, 2, generator=g), "b.bias": torch.randn(2, generator=g)}}
    for file, tensors in shards.items():
        torch.save(tensors, os.path.join(sharded, file))
    index = {"metadata": {"total_size": 40}, "weight_map": {k: file for file, ts in shards.items() for k in ts}}
    with open(os.path.join(sharded, "pytorch_model.bin.index.json"), "w") as f:
        json.dump(index, f, indent=1)
    with open(os.path.join(sharded, "expected.json"), "w") as f:
        json.dump({k: [float(x) for x in v.reshape(-1).tolist()] for ts in shards.values() for k, v in ts.items()}, f, indent=1)

    torch.save(sd["f32.weight"], os.path.join(OUT, "tensor_not_dict.bin"))
    torch.save({"w": torch.ones(2)}, os.path.join(OUT, "legacy.bin"), _use_new_zipfile_serialization=False)
    torch.save(torch.nn.Linear(2, 2), os.path.join(OUT, "module.bin"))
    family()
    seeds()
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"wrote {OUT} ({total} bytes)")


if __name__ == "__main__":
    main()
