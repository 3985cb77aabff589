"""Minimal safetensors I/O for the benchmark (numpy only): read one tensor at a time as float32 (F32, BF16,
F16), list tensors, and write F32 or BF16 files. Used by the generator and by both numpy pipelines."""

import json
import struct

import numpy as np

_DTYPES = {"F32": (np.float32, 4), "F16": (np.float16, 2), "BF16": (np.uint16, 2)}


class SafetensorsFile:
    """Header parsed once; tensors read lazily with seek + read (one tensor in memory at a time)."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(n))
        header.pop("__metadata__", None)
        self.offset = 8 + n
        self.tensors = header

    def names(self):
        return list(self.tensors)

    def shape(self, name):
        return tuple(self.tensors[name]["shape"])

    def read(self, name):
        info = self.tensors[name]
        dtype, size = _DTYPES[info["dtype"]]
        start, end = info["data_offsets"]
        with open(self.path, "rb") as f:
            f.seek(self.offset + start)
            raw = np.frombuffer(f.read(end - start), dtype=dtype)
        if info["dtype"] == "BF16":
            out = (raw.astype(np.uint32) << 16).view(np.float32)
        else:
            out = raw.astype(np.float32)
        return out.reshape(info["shape"])


def to_bf16_bits(x):
    """float32 → bfloat16 bit patterns, round to nearest even."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    rounded = bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))
    return (rounded >> np.uint32(16)).astype(np.uint16)


def write(path, tensors, dtype="F32"):
    """Writes {name: float32 array} as a safetensors file in dtype F32 or BF16 (names sorted)."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = np.asarray(tensors[name], dtype=np.float32)
        blob = (to_bf16_bits(a) if dtype == "BF16" else np.ascontiguousarray(a)).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def model_file(path):
    """A checkpoint path (file or HF directory with model.safetensors) → the safetensors file."""
    import os
    return os.path.join(path, "model.safetensors") if os.path.isdir(path) else path


def is_linear_weight(name, shape):
    """The tensors smile-inspect analyses as layers: 2-D, named …weight, not an embedding."""
    return len(shape) == 2 and name.endswith(".weight") and "embed" not in name.lower()
