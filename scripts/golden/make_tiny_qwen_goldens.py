#!/usr/bin/env python3
"""Reference logits for the tiny random-weight Qwen2 and Qwen3 models, from
Hugging Face transformers' Qwen2/Qwen3 (an implementation independent of
kvzip) on the very weights that scripts/make_tiny_models.py writes.

The spec of each model (config.json and a byte-level tokenizer: 256 bytes + 4
specials) is written here into tests/golden/tiny/{qwen2,qwen3}_hf/. Then
scripts/make_tiny_models.py (standard library only, run by scripts/setup.sh on
every machine) writes deterministic weights into models/tiny/: a Hugging Face
checkpoint (float16 safetensors) and a GGUF of the same values. This script
checks with the `gguf` package that both hold identical tensors, loads the
checkpoint into transformers in float32 and writes
tests/golden/tiny/{qwen2,qwen3}_logits.f32 (logits of every position of each
sequence, float32, sequences in order) and tests/golden/tiny/tiny_qwen.json
(the sequences and greedy continuations).

Usage: python scripts/golden/make_tiny_qwen_goldens.py
Needs: pip install -r scripts/golden/requirements.txt (torch, transformers, gguf).
"""
import json
import os
import subprocess
import sys

import numpy as np
import torch
import gguf
from safetensors.numpy import load_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM, Qwen3Config, Qwen3ForCausalLM

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from make_tiny_models import GGUF_LAYER_NAMES  # noqa: E402  (llama.cpp's names of a layer's tensors)
OUT = os.path.join(ROOT, "tests", "golden", "tiny")
MODELS = os.path.join(ROOT, "models", "tiny")
VOCAB = 260
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|pad|>"]
N_GREEDY = 12
ROPE_THETA = 10000.0


def byte_level_tokens():
    # GPT-2's byte-to-unicode table: printable bytes map to themselves, the
    # others to code points from 256 up, in byte order.
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return [table[b] for b in range(256)]


def configs():
    common = dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                  rope_parameters={"rope_type": "default", "rope_theta": ROPE_THETA}, rms_norm_eps=1e-6, attn_implementation="eager")
    return [
        ("qwen2", Qwen2ForCausalLM, Qwen2Config(**common, tie_word_embeddings=False)),
        # Qwen3 with head_dim 32: 4 x 32 query dims != 64 hidden, the general case.
        ("qwen3", Qwen3ForCausalLM, Qwen3Config(**common, head_dim=32, tie_word_embeddings=True)),
    ]


def write_spec(folder, cls, cfg):
    """config.json (float16 weights) and the byte-level tokenizer.json."""
    vocab = {t: i for i, t in enumerate(byte_level_tokens() + SPECIALS)}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(SPECIALS)
    PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|im_end|>",
                            pad_token="<|pad|>").save_pretrained(folder)
    cfg.dtype = "float16"
    cfg.architectures = [cls.__name__]
    cfg.save_pretrained(folder)


def gguf_matches_checkpoint(gguf_path, hf_dir):
    """Every GGUF tensor equals its safetensors counterpart, read by the `gguf`
    and `safetensors` packages (the generator wrote both)."""
    hf = load_file(os.path.join(hf_dir, "model.safetensors"))
    reader = gguf.GGUFReader(gguf_path)
    names = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
             "output.weight": "lm_head.weight"}
    inverse = {v: k for k, v in GGUF_LAYER_NAMES.items()}
    for t in reader.tensors:
        if t.name in names:
            hf_name = names[t.name]
        else:
            _, layer, rest = t.name.split(".", 2)
            hf_name = f"model.layers.{layer}.{inverse[rest]}"
        want = hf.pop(hf_name).astype(np.float32)
        got = np.asarray(t.data).astype(np.float32).reshape(want.shape)
        assert np.array_equal(got, want), t.name
    assert not hf, f"tensors missing from the GGUF: {sorted(hf)}"


def sequences():
    rng = np.random.default_rng(7)
    return [rng.integers(0, 256, size=n).tolist() for n in (5, 48, 130)]


def main():
    os.makedirs(OUT, exist_ok=True)
    for arch, cls, cfg in configs():
        write_spec(os.path.join(OUT, f"{arch}_hf"), cls, cfg)
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make_tiny_models.py")], check=True)
    meta = {"source": "Hugging Face transformers %s (torch %s), float32 compute, eager attention, on the weights of "
            "scripts/make_tiny_models.py" % (__import__("transformers").__version__, torch.__version__),
            "sequences": sequences(), "models": {}}
    for arch, cls, _ in configs():
        gguf_matches_checkpoint(os.path.join(MODELS, f"{arch}.gguf"), os.path.join(MODELS, f"{arch}_hf"))
        model = cls.from_pretrained(os.path.join(MODELS, f"{arch}_hf"), dtype=torch.float32,
                                    attn_implementation="eager").eval()
        blobs, greedy = [], []
        for ids in meta["sequences"]:
            with torch.no_grad():
                blobs.append(model(torch.tensor([ids])).logits[0].numpy().astype("<f4"))
                gen = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                     max_new_tokens=N_GREEDY, do_sample=False, eos_token_id=None, pad_token_id=0)
            greedy.append(gen[0, len(ids):].tolist())
        np.concatenate([b.reshape(-1) for b in blobs]).tofile(os.path.join(OUT, f"{arch}_logits.f32"))
        meta["models"][arch] = {"gguf": f"{arch}.gguf", "hf": f"{arch}_hf", "logits": f"{arch}_logits.f32", "n_vocab": VOCAB,
                                "greedy": greedy}
        print(arch, "max |logit|", max(float(np.abs(b).max()) for b in blobs), "greedy", greedy[0])
    with open(os.path.join(OUT, "tiny_qwen.json"), "w") as fh:
        json.dump(meta, fh, indent=1)


if __name__ == "__main__":
    main()
