#!/usr/bin/env python3
"""Write Tests/AnalysisTests/Fixtures/numpy_written.safetensors with numpy only, byte by byte.

An independent writer for the Swift reader's tests: it lays the file out as the reference Rust crate
(`safetensors::tensor::prepare`) does -- tensors sorted by dtype alignment descending, then by name;
compact JSON header with `__metadata__` first; header padded with spaces to a multiple of 8 -- so the
Swift writer's output for the same tensors can be compared byte for byte.

Also writes numpy_written.json: per tensor its dtype, shape and the values decoded back from the bytes
written, as Python float reprs ("inf", "-inf", "nan" for non-finite values), exact for every dtype.

Usage (from the repository root): python3 reference/write_safetensors_fixture.py
"""
import json
import os
import struct

import numpy as np

# Rank of each dtype in the Rust crate's `Dtype` enum (declared in increasing alignment order).
ALIGNMENT_RANK = {"BOOL": 0, "U8": 1, "I8": 2, "I16": 5, "F16": 6, "BF16": 7, "I32": 8, "F32": 9, "F64": 10, "I64": 11}


def bfloat16_bits(values):
    """float32 -> bfloat16 bit patterns, round to nearest even; NaN -> quiet NaN (as PyTorch)."""
    bits = np.asarray(values, dtype="<f4").view("<u4").astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    nan = np.isnan(np.asarray(values, dtype=np.float32))
    rounded[nan] = ((bits[nan] >> 16) | 0x0040).astype(np.uint16)
    return rounded


def encode(dtype, values):
    """Little-endian bytes of `values` stored as `dtype`."""
    if dtype == "BF16":
        return bfloat16_bits(values).astype("<u2").tobytes()
    numpy_type = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I8": "i1", "U8": "u1"}[dtype]
    return np.asarray(values).astype(numpy_type).tobytes()


def decode(dtype, raw):
    """The stored values as float64, decoded independently of `encode`."""
    if dtype == "BF16":
        words = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return words.astype("<u4").view("<f4").astype(np.float64)
    numpy_type = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I8": "i1", "U8": "u1"}[dtype]
    return np.frombuffer(raw, dtype=numpy_type).astype(np.float64)


TENSORS = {
    "layer.weight": ("F32", [2, 3], [0.1, -2.5, 3.0e-39, 1.0e30, -0.0, 7.0]),
    "layer.scalar": ("F32", [], [7.25]),
    "layer.empty": ("F32", [0, 3], []),
    "half.values": ("F16", [8], [1.0, -2.5, 65504.0, 2.0**-24, 3.0e-5, float("inf"), float("nan"), 0.1]),
    "brain.values": ("BF16", [2, 2], [1.0, 3.14159, -1.0e-3, 1.0e38]),
    "double.values": ("F64", [3], [0.5, -1.25, 1024.0]),
    "bytes.signed": ("I8", [4], [-128, -1, 0, 127]),
    "bytes.unsigned": ("U8", [3], [0, 128, 255]),
}


def write(path, tensors):
    """Writes `tensors` ({name: (dtype, shape, values)}) to the safetensors file `path` in the reference
    crate's layout; returns {name: the raw bytes written}."""
    order = sorted(tensors, key=lambda name: (-ALIGNMENT_RANK[tensors[name][0]], name))
    header_parts = ['"__metadata__":{"format":"pt"}']
    data = b""
    raws = {}
    for name in order:
        dtype, shape, values = tensors[name]
        raw = encode(dtype, values)
        begin, end = len(data), len(data) + len(raw)
        shape_text = ",".join(str(d) for d in shape)
        header_parts.append(f'{json.dumps(name)}:{{"dtype":"{dtype}","shape":[{shape_text}],"data_offsets":[{begin},{end}]}}')
        data += raw
        raws[name] = raw
    header = ("{" + ",".join(header_parts) + "}").encode("utf-8")
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + data)
    return raws


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_dir = os.path.join(root, "Tests", "AnalysisTests", "Fixtures")
    order = sorted(TENSORS, key=lambda name: (-ALIGNMENT_RANK[TENSORS[name][0]], name))
    raws = write(os.path.join(out_dir, "numpy_written.safetensors"), TENSORS)
    expected = {}
    for name in order:
        dtype, shape, _ = TENSORS[name]
        expected[name] = {"dtype": dtype, "shape": shape, "values": [repr(float(v)) for v in decode(dtype, raws[name])]}
    with open(os.path.join(out_dir, "numpy_written.json"), "w") as f:
        json.dump({"order": order, "tensors": expected}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
