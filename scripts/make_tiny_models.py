#!/usr/bin/env python3
"""Writes the tiny random-weight test models into models/tiny/ (git-ignored).

No weights are kept in git, so every machine (CI too) makes them here, with
nothing but the Python standard library, and always the same bytes: each value
comes from a counter-based hash (splitmix64) of the seed, the tensor's name and
the value's index, then is rounded to the checkpoint's dtype. The committed
goldens (scripts/golden/make_tiny_qwen_goldens.py, make_tiny_hf_goldens.py)
were computed by Hugging Face transformers on these very files.

Each model's shape comes from a committed spec folder under tests/golden/
(config.json, tokenizer files, and model.safetensors.index.json when the
checkpoint is sharded); the spec's files are copied next to the weights so that
models/tiny/<name>/ is a complete Hugging Face checkpoint. The Qwen models are
also written as GGUF files with llama.cpp's tensor names and metadata keys
(matrices F16, norms and biases F32, the same values).

Usage: python3 scripts/make_tiny_models.py [--out DIR]
"""
import argparse
import hashlib
import json
import os
import shutil
import struct
import sys
from array import array

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "tests", "golden")

# name, spec folder, seed, GGUF architecture (None: no GGUF)
MODELS = [
    ("qwen2_hf", os.path.join(GOLDEN, "tiny", "qwen2_hf"), 1, "qwen2"),
    ("qwen3_hf", os.path.join(GOLDEN, "tiny", "qwen3_hf"), 2, "qwen3"),
    ("tiny_llama_hf", os.path.join(GOLDEN, "tiny_llama_hf"), 1234, None),
    ("tiny_llama_hf_sharded", os.path.join(GOLDEN, "tiny_llama_hf_sharded"), 5678, None),
]

MASK64 = (1 << 64) - 1
SQRT3 = 3.0 ** 0.5


def stream_key(seed, name):
    """A 64-bit key per (seed, tensor), so that tensors do not share values."""
    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def uniform_values(key, n):
    """n values of zero mean and unit variance, uniform on [-sqrt 3, sqrt 3):
    splitmix64 of key + i * golden-gamma. Integer arithmetic and one exact
    scaling, so every platform gets the same doubles."""
    out = [0.0] * n
    for i in range(n):
        z = (key + (i + 1) * 0x9E3779B97F4A7C15) & MASK64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        z ^= z >> 31
        out[i] = ((z >> 11) * (2.0 ** -52) - 1.0) * SQRT3
    return out


def tensor_values(seed, name, shape):
    """The tensor's values before rounding: norms around 1 (not the default
    ones, so a norm that is not loaded shows), biases of about 0.5 (not zero,
    so a missing bias shows), matrices scaled by 1/sqrt(fan-in)."""
    n = 1
    for d in shape:
        n *= d
    u = uniform_values(stream_key(seed, name), n)
    if len(shape) == 1 and "norm" in name:
        return [1.0 + 0.3 * x for x in u]
    if len(shape) == 1:
        return [0.5 * x for x in u]
    scale = 0.5 if "embed_tokens" in name else 1.0 / shape[1] ** 0.5
    return [scale * x for x in u]


def round_to(values, dtype):
    """Rounds to the stored dtype; returns (bytes, the exact values stored)."""
    if dtype == "F16":
        raw = struct.pack(f"<{len(values)}e", *values)
        return raw, list(struct.unpack(f"<{len(values)}e", raw))
    if dtype == "BF16":
        f32 = array("I", struct.pack(f"<{len(values)}f", *values))
        # round to nearest even on the float32 bits (no NaN or inf here)
        bf = array("H", [((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF for b in f32])
        widened = array("I", [h << 16 for h in bf])
        return bf.tobytes(), list(struct.unpack(f"<{len(values)}f", widened.tobytes()))
    raise ValueError(f"unsupported dtype {dtype}")


def tensor_shapes(cfg):
    """Hugging Face tensor names and shapes of a Llama, Qwen2 or Qwen3 config."""
    h, ff, vocab = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    heads, kv_heads = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    head_dim = cfg.get("head_dim") or h // heads
    kind = cfg["model_type"]
    shapes = {"model.embed_tokens.weight": (vocab, h)}
    for layer in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        shapes[p + "input_layernorm.weight"] = (h,)
        shapes[p + "self_attn.q_proj.weight"] = (heads * head_dim, h)
        shapes[p + "self_attn.k_proj.weight"] = (kv_heads * head_dim, h)
        shapes[p + "self_attn.v_proj.weight"] = (kv_heads * head_dim, h)
        if kind == "qwen2" or cfg.get("attention_bias"):
            shapes[p + "self_attn.q_proj.bias"] = (heads * head_dim,)
            shapes[p + "self_attn.k_proj.bias"] = (kv_heads * head_dim,)
            shapes[p + "self_attn.v_proj.bias"] = (kv_heads * head_dim,)
        if kind == "qwen3":
            shapes[p + "self_attn.q_norm.weight"] = (head_dim,)
            shapes[p + "self_attn.k_norm.weight"] = (head_dim,)
        shapes[p + "self_attn.o_proj.weight"] = (h, heads * head_dim)
        shapes[p + "post_attention_layernorm.weight"] = (h,)
        shapes[p + "mlp.gate_proj.weight"] = (ff, h)
        shapes[p + "mlp.up_proj.weight"] = (ff, h)
        shapes[p + "mlp.down_proj.weight"] = (h, ff)
    shapes["model.norm.weight"] = (h,)
    if not cfg.get("tie_word_embeddings", False):
        shapes["lm_head.weight"] = (vocab, h)
    return shapes


def write_safetensors(path, tensors, dtype):
    """tensors: name -> (shape, raw bytes)."""
    header, offset = {}, 0
    for name in sorted(tensors):
        shape, raw = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)  # the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for name in sorted(tensors):
            f.write(tensors[name][1])


# GGUF (ggml-org/ggml docs/gguf.md), version 3
GGUF_UINT32, GGUF_INT32, GGUF_FLOAT32, GGUF_BOOL, GGUF_STRING, GGUF_ARRAY = 4, 5, 6, 7, 8, 9
GGML_F32, GGML_F16 = 0, 1
GGUF_ALIGNMENT = 32
GGUF_LAYER_NAMES = {
    "input_layernorm.weight": "attn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight", "self_attn.q_proj.bias": "attn_q.bias",
    "self_attn.k_proj.weight": "attn_k.weight", "self_attn.k_proj.bias": "attn_k.bias",
    "self_attn.v_proj.weight": "attn_v.weight", "self_attn.v_proj.bias": "attn_v.bias",
    "self_attn.o_proj.weight": "attn_output.weight",
    "self_attn.q_norm.weight": "attn_q_norm.weight", "self_attn.k_norm.weight": "attn_k_norm.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight", "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
}


def gguf_tensor_name(hf):
    top = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
           "lm_head.weight": "output.weight"}
    if hf in top:
        return top[hf]
    parts = hf.split(".")  # model.layers.N.<rest>
    return f"blk.{parts[2]}." + GGUF_LAYER_NAMES[".".join(parts[3:])]


def gguf_string(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def gguf_kv(key, vtype, value):
    out = gguf_string(key) + struct.pack("<I", vtype)
    if vtype == GGUF_ARRAY:
        etype, items = value
        out += struct.pack("<IQ", etype, len(items))
        for it in items:
            out += gguf_string(it) if etype == GGUF_STRING else struct.pack({GGUF_INT32: "<i"}[etype], it)
        return out
    if vtype == GGUF_STRING:
        return out + gguf_string(value)
    return out + struct.pack({GGUF_UINT32: "<I", GGUF_FLOAT32: "<f", GGUF_BOOL: "<?"}[vtype], value)


def write_gguf(path, arch, name, cfg, spec_dir, values):
    """values: HF name -> (shape, exact stored values)."""
    with open(os.path.join(spec_dir, "tokenizer.json"), encoding="utf-8") as f:
        tok = json.load(f)
    with open(os.path.join(spec_dir, "tokenizer_config.json"), encoding="utf-8") as f:
        tok_cfg = json.load(f)
    vocab = dict(tok["model"]["vocab"])
    special = set()
    for added in tok.get("added_tokens", []):
        vocab[added["content"]] = added["id"]
        if added.get("special"):
            special.add(added["id"])
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    assert len(tokens) == cfg["vocab_size"] and all(vocab[t] == i for i, t in enumerate(tokens))
    merges = [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]]
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    kvs = [
        ("general.architecture", GGUF_STRING, arch),
        ("general.name", GGUF_STRING, name),
        (f"{arch}.context_length", GGUF_UINT32, cfg["max_position_embeddings"]),
        (f"{arch}.embedding_length", GGUF_UINT32, cfg["hidden_size"]),
        (f"{arch}.block_count", GGUF_UINT32, cfg["num_hidden_layers"]),
        (f"{arch}.feed_forward_length", GGUF_UINT32, cfg["intermediate_size"]),
        (f"{arch}.attention.head_count", GGUF_UINT32, cfg["num_attention_heads"]),
        (f"{arch}.attention.head_count_kv", GGUF_UINT32, cfg["num_key_value_heads"]),
        (f"{arch}.attention.key_length", GGUF_UINT32, head_dim),
        (f"{arch}.attention.value_length", GGUF_UINT32, head_dim),
        (f"{arch}.rope.freq_base", GGUF_FLOAT32, cfg["rope_parameters"]["rope_theta"]),
        (f"{arch}.attention.layer_norm_rms_epsilon", GGUF_FLOAT32, cfg["rms_norm_eps"]),
        ("tokenizer.ggml.model", GGUF_STRING, "gpt2"),
        ("tokenizer.ggml.pre", GGUF_STRING, "qwen2"),
        ("tokenizer.ggml.tokens", GGUF_ARRAY, (GGUF_STRING, tokens)),
        ("tokenizer.ggml.token_type", GGUF_ARRAY, (GGUF_INT32, [3 if i in special else 1 for i in range(len(tokens))])),
        ("tokenizer.ggml.merges", GGUF_ARRAY, (GGUF_STRING, merges)),
        ("tokenizer.ggml.eos_token_id", GGUF_UINT32, vocab[tok_cfg["eos_token"]]),
        ("tokenizer.ggml.bos_token_id", GGUF_UINT32, vocab[tok_cfg["bos_token"]]),
        ("tokenizer.ggml.add_bos_token", GGUF_BOOL, False),
    ]
    infos, blobs, offset = b"", [], 0
    for hf_name in sorted(values):
        shape, vals = values[hf_name]
        ggml_type = GGML_F16 if len(shape) == 2 else GGML_F32
        raw = struct.pack(f"<{len(vals)}{'e' if ggml_type == GGML_F16 else 'f'}", *vals)
        infos += gguf_string(gguf_tensor_name(hf_name)) + struct.pack("<I", len(shape))
        infos += b"".join(struct.pack("<Q", d) for d in reversed(shape))  # ggml lists the innermost first
        infos += struct.pack("<IQ", ggml_type, offset)
        raw += b"\0" * (-len(raw) % GGUF_ALIGNMENT)
        blobs.append(raw)
        offset += len(raw)
    head = b"GGUF" + struct.pack("<IQQ", 3, len(values), len(kvs)) + b"".join(gguf_kv(*kv) for kv in kvs) + infos
    head += b"\0" * (-len(head) % GGUF_ALIGNMENT)
    with open(path, "wb") as f:
        f.write(head)
        for raw in blobs:
            f.write(raw)


def make_model(out_dir, name, spec_dir, seed, gguf_arch):
    with open(os.path.join(spec_dir, "config.json")) as f:
        cfg = json.load(f)
    dtype = {"float16": "F16", "bfloat16": "BF16"}[cfg["dtype"]]
    folder = os.path.join(out_dir, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for entry in sorted(os.listdir(spec_dir)):  # config, tokenizer, shard index; not the goldens
        if not entry.startswith("golden") and not entry.endswith((".safetensors", ".gguf")):
            shutil.copy(os.path.join(spec_dir, entry), folder)

    stored, raws = {}, {}
    for tensor, shape in tensor_shapes(cfg).items():
        raw, exact = round_to(tensor_values(seed, tensor, shape), dtype)
        raws[tensor], stored[tensor] = (shape, raw), (shape, exact)

    index_path = os.path.join(spec_dir, "model.safetensors.index.json")
    if os.path.exists(index_path):
        with open(index_path) as f:
            weight_map = json.load(f)["weight_map"]
        if set(weight_map) != set(raws):
            sys.exit(f"{index_path}: its tensors differ from those of config.json")
        for shard in sorted(set(weight_map.values())):
            write_safetensors(os.path.join(folder, shard), {t: raws[t] for t in raws if weight_map[t] == shard}, dtype)
    else:
        write_safetensors(os.path.join(folder, "model.safetensors"), raws, dtype)
    written = [folder]
    if gguf_arch:
        path = os.path.join(out_dir, f"{gguf_arch}.gguf")
        write_gguf(path, gguf_arch, f"tiny-random-{gguf_arch}", cfg, spec_dir, stored)
        written.append(path)
    n_params = sum(len(v) for _, v in stored.values())
    print(f"tiny model {name}: {n_params} parameters ({dtype}) -> {', '.join(os.path.relpath(w) for w in written)}",
          file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "tiny"), help="output folder (default: models/tiny)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, spec_dir, seed, gguf_arch in MODELS:
        make_model(args.out, name, spec_dir, seed, gguf_arch)


if __name__ == "__main__":
    main()
