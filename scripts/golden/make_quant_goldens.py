#!/usr/bin/env python3
"""Writes the quant-format golden files with the independent `gguf` package.

  tests/golden/quant_<TYPE>.golden  for every type kvzip decodes: a few rows of
                                    raw ggml blocks and their dequantization by
                                    gguf.quants.dequantize (float32)
  tests/golden/quant_fp16.golden    float32 values (random, halfway cases,
                                    overflow and subnormal edges, inf, NaN) and
                                    numpy's float16 rounding of each
  tests/golden/quant_models.golden  gguf's dequantization of the first two rows
                                    of one tensor per type in each test model
                                    (models/, see scripts/fetch_models.sh); the
                                    C++ test reads the raw rows from the model

Rows: the first row of a type that gguf can quantize is gguf.quants.quantize()
of Gaussian floats (realistic blocks); the others are random bytes whose fp16
scale fields are overwritten with finite values (a mix of magnitudes and
signs, one zero and one subnormal), so every bit of every quant field is
exercised and every result is finite.

Binary layout of quant_<TYPE>.golden (little-endian):
  char[4] "KVQG"; u32 version = 1; u32 ggml type; u32 rows; u32 n (elements
  per row); u32 row_bytes; u8 raw[rows * row_bytes]; f32 values[rows * n]
Binary layout of quant_fp16.golden:
  char[4] "KVFH"; u32 version = 1; u32 count; f32 in[count]; u16 out[count]
Binary layout of quant_models.golden:
  char[4] "KVQM"; u32 version = 1; u32 entries; then per entry: u32 len, model
  file name; u32 len, tensor name; u32 ggml type; u32 rows; u32 n;
  f32 values[rows * n]

The names do not end in .gguf/.bin on purpose (those are git-ignored model files).
Run:  /path/to/venv/bin/python scripts/golden/make_quant_goldens.py
(requirements: scripts/golden/requirements.txt)
"""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as QT
from gguf import GGUFReader
from gguf import quants
from gguf.constants import GGML_QUANT_SIZES

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
ROWS = 3
N = 512  # two K-quant super-blocks, sixteen legacy blocks

# Byte offsets of the fp16 scale fields inside one block (ggml-common.h).
# The first field is the main scale d; the others are mins (dmin / m).
HALF_FIELDS: dict[QT, list[int]] = {
    QT.Q4_0: [0],
    QT.Q4_1: [0, 2],
    QT.Q5_0: [0],
    QT.Q5_1: [0, 2],
    QT.Q8_0: [0],
    QT.Q2_K: [80, 82],
    QT.Q3_K: [108],
    QT.Q4_K: [0, 2],
    QT.Q5_K: [0, 2],
    QT.Q6_K: [208],
}
QUANTIZABLE = {QT.Q4_0, QT.Q4_1, QT.Q5_0, QT.Q5_1, QT.Q8_0}


def sane_scales(rng: np.random.Generator, count: int) -> np.ndarray:
    """fp16 scales: mostly 1e-3..3e-2 of either sign, plus one exact zero, one
    subnormal and one large value, so those paths of the decoders are hit."""
    mag = rng.uniform(1e-3, 3e-2, size=count)
    sign = rng.choice([-1.0, 1.0], size=count)
    s = (mag * sign).astype(np.float16)
    if count >= 3:
        s[0] = np.float16(0.0)
        s[1] = np.uint16(0x0123).view(np.float16)  # subnormal: 291 * 2^-24
        s[2] = np.float16(3.5)
    return s


def random_quant_rows(rng: np.random.Generator, qtype: QT, rows: int) -> np.ndarray:
    block_elems, block_bytes = GGML_QUANT_SIZES[qtype]
    n_blocks = rows * N // block_elems
    raw = rng.integers(0, 256, size=(n_blocks, block_bytes), dtype=np.uint8)
    for off in HALF_FIELDS[qtype]:
        scales = sane_scales(rng, n_blocks)
        rng.shuffle(scales)
        raw[:, off:off + 2] = scales.view(np.uint8).reshape(n_blocks, 2)
    return raw.reshape(rows, -1)


def quant_rows(rng: np.random.Generator, qtype: QT) -> np.ndarray:
    if qtype in QUANTIZABLE:
        real = quants.quantize(rng.normal(0.0, 0.05, size=(1, N)).astype(np.float32), qtype)
        return np.concatenate([real, random_quant_rows(rng, qtype, ROWS - 1)], axis=0)
    return random_quant_rows(rng, qtype, ROWS)


def float_rows(rng: np.random.Generator, qtype: QT) -> np.ndarray:
    if qtype == QT.F32:
        vals = rng.normal(0.0, 1.0, size=(ROWS, N)).astype(np.float32)
        return vals.view(np.uint8).reshape(ROWS, -1)
    if qtype == QT.F16:
        # Every finite half is fair game, subnormals included; skip inf/NaN
        # (exponent 31) so that dot products stay finite.
        bits = rng.integers(0, 0x10000, size=(ROWS, N), dtype=np.uint32).astype(np.uint16)
        bits = np.where((bits & 0x7C00) == 0x7C00, bits & 0x83FF, bits).astype(np.uint16)
        return bits.view(np.uint8).reshape(ROWS, -1)
    assert qtype == QT.BF16
    # Random sign and mantissa, exponents 2^-20..2^20: finite and not huge.
    sign = rng.integers(0, 2, size=(ROWS, N), dtype=np.uint32) << 15
    exp = rng.integers(127 - 20, 127 + 21, size=(ROWS, N), dtype=np.uint32) << 7
    mant = rng.integers(0, 128, size=(ROWS, N), dtype=np.uint32)
    bits = (sign | exp | mant).astype(np.uint16)
    return bits.view(np.uint8).reshape(ROWS, -1)


def write_quant_golden(qtype: QT, raw: np.ndarray) -> Path:
    values = quants.dequantize(raw, qtype).astype(np.float32, copy=False)
    assert values.shape == (ROWS, N), (qtype.name, values.shape)
    assert np.isfinite(values).all(), qtype.name
    path = GOLDEN / f"quant_{qtype.name}.golden"
    header = b"KVQG" + struct.pack("<5I", 1, int(qtype), ROWS, N, raw.shape[1])
    path.write_bytes(header + raw.astype(np.uint8).tobytes() + values.astype("<f4").tobytes())
    return path


def fp16_cases(rng: np.random.Generator) -> np.ndarray:
    """float32 inputs for the fp32 -> fp16 rounding golden."""
    cases = [0.0, -0.0, 1.0, -2.0, 65504.0, 65519.99, 65520.0, -65520.0, 1e6,
             2.0**-14, 2.0**-24, 2.0**-25, 2.0**-25 * 1.0000001, 2.0**-26, 1e-30,
             np.inf, -np.inf, np.nan]
    f32 = [np.float32(c) for c in cases]
    # Exact ties between neighbouring halves (round to even, both parities),
    # and values one float ulp either side of them.
    halves = rng.integers(0, 0x7BFF, size=300, dtype=np.uint16)
    lo = halves.view(np.float16).astype(np.float32)
    hi = (halves + 1).view(np.float16).astype(np.float32)
    mid = (lo.astype(np.float64) + hi.astype(np.float64)) / 2  # exact in float32
    mid32 = mid.astype(np.float32)
    f32 += list(mid32) + list(np.nextafter(mid32, np.float32(np.inf))) + list(np.nextafter(mid32, np.float32(0)))
    # Random bit patterns over the whole float range (incl. NaN payloads) and
    # random values in the half range.
    f32 += list(rng.integers(0, 2**32, size=1000, dtype=np.uint64).astype(np.uint32).view(np.float32))
    f32 += list((rng.normal(0, 1, 500) * 10.0 ** rng.uniform(-8, 5, 500)).astype(np.float32))
    return np.array(f32, dtype=np.float32)


def write_fp16_golden(rng: np.random.Generator) -> Path:
    inputs = fp16_cases(rng)
    with np.errstate(over="ignore", invalid="ignore"):
        out = inputs.astype(np.float16).view(np.uint16)
    path = GOLDEN / "quant_fp16.golden"
    header = b"KVFH" + struct.pack("<2I", 1, len(inputs))
    path.write_bytes(header + inputs.astype("<f4").tobytes() + out.astype("<u2").tobytes())
    return path


MODELS = ["SmolLM2-135M-Instruct.Q4_1.gguf", "gemma-3-270m-q4_k_m.gguf"]
MODEL_ROWS = 2


def write_model_golden() -> Path:
    """First rows of the first 2-D tensor of every quantized type in each model."""
    entries = []
    for model in MODELS:
        path = ROOT / "models" / model
        if not path.exists():
            raise SystemExit(f"{path} is missing: run scripts/fetch_models.sh first")
        seen = set()
        for t in GGUFReader(path).tensors:
            data = np.asarray(t.data)
            if t.tensor_type in seen or t.tensor_type in (QT.F32, QT.F16) or data.ndim != 2:
                continue
            seen.add(t.tensor_type)
            raw = data[:MODEL_ROWS].view(np.uint8).reshape(MODEL_ROWS, -1)
            values = quants.dequantize(raw, t.tensor_type).astype("<f4")
            entries.append((model, t.name, int(t.tensor_type), values))
    blob = b"KVQM" + struct.pack("<2I", 1, len(entries))
    for model, name, qtype, values in entries:
        for text in (model, name):
            blob += struct.pack("<I", len(text)) + text.encode()
        blob += struct.pack("<3I", qtype, values.shape[0], values.shape[1]) + values.tobytes()
        print(f"  {model}: {name} ({QT(qtype).name}, {values.shape[1]} per row)")
    path = GOLDEN / "quant_models.golden"
    path.write_bytes(blob)
    return path


def main() -> None:
    rng = np.random.default_rng(20250531)
    written = []
    for qtype in [QT.F32, QT.F16, QT.BF16]:
        written.append(write_quant_golden(qtype, float_rows(rng, qtype)))
    for qtype in HALF_FIELDS:
        written.append(write_quant_golden(qtype, quant_rows(rng, qtype)))
    written.append(write_fp16_golden(rng))
    written.append(write_model_golden())
    total = sum(p.stat().st_size for p in written)
    for p in written:
        print(f"{p.relative_to(ROOT)}: {p.stat().st_size} bytes")
    print(f"total {total} bytes")


if __name__ == "__main__":
    main()
