#!/usr/bin/env python3
"""Writes the GGUF reader's golden files with the independent `gguf` package.

  tests/golden/fixture.gguf.golden  a small GGUF file written by gguf.GGUFWriter:
                                    metadata of every value type (incl. nested
                                    arrays), a custom alignment and small tensors
                                    of several ggml types (random raw bytes)
  tests/golden/fixture_gguf.json    what gguf.GGUFReader reads back from it:
                                    every key with type and value, and the tensor
                                    table with offsets, sizes and byte checksums

The names do not end in .gguf/.bin on purpose (those are git-ignored model files).
Run:  /path/to/venv/bin/python scripts/golden/make_gguf_goldens.py
(requirements: scripts/golden/requirements.txt)
"""
from __future__ import annotations

import importlib.metadata
import json
import sys
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as QT
from gguf import GGUFValueType as VT

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
FIXTURE = GOLDEN / "fixture.gguf.golden"
EXPECTED = GOLDEN / "fixture_gguf.json"
ALIGNMENT = 64


def add_metadata(w: gguf.GGUFWriter) -> None:
    # One key per scalar type, with values near the edges of each range.
    w.add_uint8("test.uint8", 200)
    w.add_int8("test.int8", -100)
    w.add_uint16("test.uint16", 60000)
    w.add_int16("test.int16", -30000)
    w.add_uint32("test.uint32", 4_000_000_000)
    w.add_int32("test.int32", -2_000_000_000)
    w.add_uint64("test.uint64", 2**63 + 5)  # does not fit in int64
    w.add_uint64("test.uint64_small", 123456789012)
    w.add_int64("test.int64", -(2**62) - 7)
    w.add_float32("test.float32", 3.14159)
    w.add_float64("test.float64", 2.718281828459045)
    w.add_float32("test.float32_neg", -1.5e-7)
    w.add_bool("test.bool_true", True)
    w.add_bool("test.bool_false", False)
    w.add_string("test.string", "hello, gguf")
    w.add_string("test.utf8", "h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c\u8a9e \U0001f999")
    w.add_string("test.escapes", 'line1\nline2\t"quoted"')
    w.add_string("test.long_string", "abcdefghij" * 30)
    # add_string() drops empty strings; add_key_value() writes them.
    w.add_key_value("test.empty_string", "", VT.STRING)

    # Arrays of every scalar element type (explicit element types).
    arrays = {
        "uint8": (VT.UINT8, [0, 1, 255]),
        "int8": (VT.INT8, [-128, 0, 127]),
        "uint16": (VT.UINT16, [0, 65535]),
        "int16": (VT.INT16, [-32768, 32767]),
        "uint32": (VT.UINT32, [0, 4294967295, 7]),
        "int32": (VT.INT32, [-1, 0, 1, 2147483647]),
        "uint64": (VT.UINT64, [0, 2**64 - 1]),
        "int64": (VT.INT64, [-(2**63), 2**63 - 1]),
        "float32": (VT.FLOAT32, [0.5, -1.25, 1e-3, 65504.0]),
        "float64": (VT.FLOAT64, [1.0 / 3.0, -2.5e300]),
        "bool": (VT.BOOL, [True, False, True]),
        "string": (VT.STRING, ["a", "bc", "", "\u65e5\u672c"]),
    }
    for name, (sub, values) in arrays.items():
        w.add_key_value(f"test.array.{name}", values, VT.ARRAY, sub_type=sub)
    w.add_key_value("test.array.many", list(range(100)), VT.ARRAY, sub_type=VT.INT32)
    # Nested arrays: the writer infers the inner element types (int -> int32).
    w.add_array("test.array.nested", [[1, 2, 3], [4, 5]])
    w.add_array("test.array.nested_strings", [["x", "y"], ["z"]])
    w.add_array("test.array.nested3", [[[1.5, 2.5]], [[3.5]]])

    w.add_custom_alignment(ALIGNMENT)
    w.add_quantization_version(2)


def add_tensors(w: gguf.GGUFWriter) -> None:
    rng = np.random.default_rng(20250101)

    def raw(qtype: QT, rows: int, row_elems: int) -> None:
        block, size = gguf.GGML_QUANT_SIZES[qtype]
        data = rng.integers(0, 256, size=(rows, row_elems // block * size), dtype=np.uint8)
        w.add_tensor(f"{qtype.name.lower()}.weight", data, raw_dtype=qtype)

    w.add_tensor("f32.vector", rng.standard_normal(7).astype(np.float32))
    w.add_tensor("f32.matrix", rng.standard_normal((3, 5)).astype(np.float32))
    w.add_tensor("f32.4d", rng.standard_normal((2, 3, 4, 5)).astype(np.float32))
    w.add_tensor("f16.matrix", rng.standard_normal((4, 6)).astype(np.float16))
    raw(QT.BF16, 2, 8)
    raw(QT.Q4_0, 3, 32)
    raw(QT.Q4_1, 2, 64)
    raw(QT.Q5_0, 1, 32)
    raw(QT.Q5_1, 1, 32)
    raw(QT.Q8_0, 2, 64)
    raw(QT.Q2_K, 1, 256)
    raw(QT.Q3_K, 1, 256)
    raw(QT.Q4_K, 2, 256)
    raw(QT.Q5_K, 1, 256)
    raw(QT.Q6_K, 1, 256)


def decode_value(parts: list, i: int, vtype: VT):
    """Rebuilds a (possibly nested) value from GGUFReader's field parts.

    GGUFReader.contents() flattens nested arrays, so the structure is rebuilt
    from the raw parts the reader parsed: a string is (length, bytes), an array
    is (element type, length, elements...), a scalar is one part."""
    if vtype == VT.STRING:
        return bytes(parts[i + 1]).decode("utf-8"), i + 2
    if vtype == VT.ARRAY:
        elem = VT(int(parts[i][0]))
        n = int(parts[i + 1][0])
        i += 2
        items = []
        for _ in range(n):
            v, i = decode_value(parts, i, elem)
            items.append(v)
        return {"elem_type": elem.name, "items": items}, i
    return parts[i].tolist()[0], i + 1


def expected_json(path: Path) -> dict:
    r = gguf.GGUFReader(path)
    metadata = []
    for key, field in r.fields.items():
        if key.startswith("GGUF."):  # the reader's pseudo-fields for the header
            continue
        vtype = field.types[0]
        value, end = decode_value(field.parts, 3, vtype)  # parts 0-2: key length, key, value type
        assert end == len(field.parts), key
        entry = {"key": key, "type": vtype.name}
        if vtype == VT.ARRAY:
            entry["elem_type"] = value["elem_type"]
            entry["value"] = value["items"]
            if value["elem_type"] != "ARRAY":  # cross-check with the reader's own accessor
                assert field.contents() == value["items"], key
        else:
            entry["value"] = value
            assert field.contents() == value, key
        metadata.append(entry)

    tensors = []
    for t in r.tensors:
        raw = np.asarray(t.data).view(np.uint8).reshape(-1)
        assert raw.size == t.n_bytes, t.name
        tensors.append({
            "name": t.name,
            "type": int(t.tensor_type),
            "type_name": t.tensor_type.name,
            "ne": [int(d) for d in t.shape],  # GGUF order: ne[0] is the row length
            "offset": int(t.data_offset - r.data_offset),
            "nbytes": int(t.n_bytes),
            "byte_sum": int(raw.astype(np.uint64).sum()),
            "first_bytes": [int(b) for b in raw[:8]],
            "last_bytes": [int(b) for b in raw[-8:]],
        })

    return {
        "generator": f"gguf {importlib.metadata.version('gguf')} GGUFReader (scripts/golden/make_gguf_goldens.py)",
        "version": int(r.fields["GGUF.version"].contents()),
        "alignment": int(r.alignment),
        "data_offset": int(r.data_offset),
        "file_size": path.stat().st_size,
        "metadata": metadata,
        "tensors": tensors,
    }


def main() -> int:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    w = gguf.GGUFWriter(FIXTURE, arch="testarch")
    add_metadata(w)
    add_tensors(w)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    expected = expected_json(FIXTURE)
    EXPECTED.write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {FIXTURE} ({FIXTURE.stat().st_size} bytes) and {EXPECTED}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
