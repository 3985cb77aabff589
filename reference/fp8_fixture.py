#!/usr/bin/env python3
"""Writes the FP8 dequantization fixture: Tests/AnalysisTests/Fixtures/quantized/.

fp8.safetensors holds F8_E4M3 / F8_E5M2 weights with the scale layouts smile-inspect applies —
per tensor (`weight_scale` []), per output channel (`weight_scale` [m, 1]), 128×128 blocks
(`weight_scale_inv` [ceil(m/128), ceil(n/128)], DeepSeek-V3 / transformers "fp8"), groups along the
input (`weight_scale` [m, g]) — and two it must refuse (no scale; a scale of another shape).
fp8_expected.safetensors holds W = q · scale in float64 for the weights that have a valid scale.

numpy has no FP8, so the bytes are drawn as uint8 and decoded here by formula (no torch, no ml_dtypes):
  E4M3FN: sign·2^(e−7)·(1 + m/8), subnormal sign·2^−6·m/8, S.1111.111 = NaN (excluded), no infinities;
  E5M2:   sign·2^(e−15)·(1 + m/4), subnormal sign·2^−14·m/4, exponent 31 = Inf/NaN (excluded).
Both files are written by hand in the safetensors layout (8-byte little-endian header length, JSON
header, data), so the fixture does not depend on the safetensors package either.
"""
import json
import os
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "AnalysisTests", "Fixtures", "quantized")


def decode_minifloat(b, mantissa_bits, bias):
    """sign·2^(e−bias)·(1 + m/2^M), subnormal sign·2^(1−bias)·m/2^M, for 8-bit codes with M mantissa bits."""
    b = b.astype(np.int64)
    sign = np.where(b & 0x80, -1.0, 1.0)
    e = (b >> mantissa_bits) & ((1 << (7 - mantissa_bits)) - 1)
    m = (b & ((1 << mantissa_bits) - 1)).astype(np.float64) / 2 ** mantissa_bits
    return sign * np.where(e == 0, m * 2.0 ** (1 - bias), (1 + m) * 2.0 ** (e - bias))


def decode_e4m3(b):
    return decode_minifloat(b, 3, 7)


def decode_e5m2(b):
    return decode_minifloat(b, 2, 15)


def check_against_torch():
    """When torch is installed, its float8 dtypes must decode every code as the formulas do."""
    try:
        import torch
    except ImportError:
        return
    codes = np.arange(256, dtype=np.uint8)
    for decode, dtype, invalid in [(decode_e4m3, torch.float8_e4m3fn, lambda c: (c & 0x7F) == 0x7F),
                                   (decode_e5m2, torch.float8_e5m2, lambda c: ((c >> 2) & 0x1F) == 0x1F)]:
        ours = decode(codes)
        theirs = torch.from_numpy(codes.copy()).view(dtype).to(torch.float64).numpy()
        finite = ~invalid(codes)
        assert np.array_equal(ours[finite], theirs[finite]), dtype


def random_codes(rng, shape, dtype):
    codes = rng.integers(0, 256, size=shape, dtype=np.uint8)
    if dtype == "F8_E4M3":
        codes[(codes & 0x7F) == 0x7F] = 0x3F  # no NaN
    else:
        codes[((codes >> 2) & 0x1F) == 0x1F] = 0x3C  # no Inf / NaN
    return codes


def write_safetensors(path, tensors):
    """tensors: name -> (dtype string, shape, raw bytes)."""
    header, offset, data = {}, 0, b""
    for name in sorted(tensors):
        dtype, shape, raw = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def main():
    check_against_torch()
    rng = np.random.default_rng(20241201)
    stored, expected = {}, {}

    def weight(name, dtype, shape):
        codes = random_codes(rng, shape, dtype)
        stored[name] = (dtype, shape, codes.tobytes())
        return decode_e4m3(codes) if dtype == "F8_E4M3" else decode_e5m2(codes)

    def scale(name, shape):
        values = rng.uniform(0.01, 2.0, size=shape).astype(np.float32)
        stored[name] = ("F32", shape, values.tobytes())
        return values.astype(np.float64)

    # Per tensor: W = q · s.
    q = weight("per_tensor.weight", "F8_E4M3", (4, 6))
    expected["per_tensor.weight"] = q * scale("per_tensor.weight_scale", ())
    # Per output channel: W[i, j] = q[i, j] · s[i, 0].
    q = weight("per_channel.weight", "F8_E5M2", (5, 3))
    expected["per_channel.weight"] = q * scale("per_channel.weight_scale", (5, 1))
    # 128×128 blocks: W[i, j] = q[i, j] · s[i // 128, j // 128] (partial blocks at the edges).
    q = weight("blocks.weight", "F8_E4M3", (130, 136))
    s = scale("blocks.weight_scale_inv", (2, 2))
    expected["blocks.weight"] = q * np.repeat(np.repeat(s, 128, axis=0), 128, axis=1)[:130, :136]
    # Groups of 4 inputs: W[i, j] = q[i, j] · s[i, j // 4].
    q = weight("groups.weight", "F8_E4M3", (3, 8))
    expected["groups.weight"] = q * np.repeat(scale("groups.weight_scale", (3, 2)), 4, axis=1)
    # Refused: no scale at all; a scale whose shape fits no layout.
    weight("unscaled.weight", "F8_E4M3", (4, 4))
    weight("odd_scale.weight", "F8_E4M3", (4, 4))
    scale("odd_scale.weight_scale", (3,))

    os.makedirs(OUT, exist_ok=True)
    write_safetensors(os.path.join(OUT, "fp8.safetensors"), stored)
    write_safetensors(os.path.join(OUT, "fp8_expected.safetensors"),
                      {k: ("F64", v.shape, v.astype("<f8").tobytes()) for k, v in expected.items()})


if __name__ == "__main__":
    main()
