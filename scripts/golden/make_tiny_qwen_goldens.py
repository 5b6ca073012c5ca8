#!/usr/bin/env python3
"""Tiny random-weight Qwen2 and Qwen3 models, written as GGUF files, with
reference logits from Hugging Face transformers' Qwen2/Qwen3 on the very same
weights (an implementation independent of kvzip).

No small Qwen checkpoint can be downloaded here, so the script builds each
model from a fixed seed: matrices rounded to float16 (stored as F16, so both
sides see identical weights), every tensor random (biases and norm weights
too: the default initialisation of zeros and ones would hide a missing bias or
q/k norm) and every value a float16 one. The GGUF uses llama.cpp's tensor
names and metadata keys (norms and biases stored F32, matrices F16) and a
byte-level vocabulary (256 bytes + 4 specials), so kvzip loads it like any
other model. The same weights are also saved as a Hugging Face checkpoint
(float16 safetensors, config.json, tokenizer.json) for the checkpoint loader.

Writes tests/golden/tiny/{qwen2,qwen3}.gguf, tests/golden/tiny/{qwen2,qwen3}_hf/,
tests/golden/tiny/{qwen2,qwen3}_logits.f32 (logits of every position of each
sequence, float32, sequences in order) and tests/golden/tiny/tiny_qwen.json
(the sequences and greedy continuations).

Usage: python scripts/golden/make_tiny_qwen_goldens.py
Needs: pip install -r scripts/golden/requirements.txt (torch, transformers, gguf).
"""
import json
import os

import numpy as np
import torch
import gguf
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM, Qwen3Config, Qwen3ForCausalLM

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "golden", "tiny")
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


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1 and "norm" in name:
                x = 1.0 + 0.3 * torch.randn(p.shape, generator=g)
            elif p.dim() == 1:  # biases
                x = 0.5 * torch.randn(p.shape, generator=g)
            else:
                scale = 1.0 if "embed" in name else 1.0 / np.sqrt(p.shape[1])
                x = scale * torch.randn(p.shape, generator=g)
            p.copy_(x.half().float())


def save_hf(folder, model):
    """The same weights as a Hugging Face checkpoint: float16 safetensors (exact,
    every value is a float16 one), config.json and a byte-level tokenizer.json
    with the GGUF's vocabulary."""
    vocab = {t: i for i, t in enumerate(byte_level_tokens() + SPECIALS)}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(SPECIALS)
    PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|im_end|>",
                            pad_token="<|pad|>").save_pretrained(folder)
    half = type(model)(model.config).half()
    half.load_state_dict(model.state_dict())
    half.save_pretrained(folder)


GGUF_NAMES = {
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


def gguf_name(hf):
    if hf == "model.embed_tokens.weight":
        return "token_embd.weight"
    if hf == "model.norm.weight":
        return "output_norm.weight"
    if hf == "lm_head.weight":
        return "output.weight"
    parts = hf.split(".")  # model.layers.N.<rest>
    return f"blk.{parts[2]}." + GGUF_NAMES[".".join(parts[3:])]


def write_gguf(path, arch, cfg, model):
    w = gguf.GGUFWriter(path, arch)
    w.add_name(f"tiny-random-{arch}")
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_head_count(cfg.num_attention_heads)
    w.add_head_count_kv(cfg.num_key_value_heads)
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    w.add_key_length(head_dim)
    w.add_value_length(head_dim)
    w.add_rope_freq_base(ROPE_THETA)
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(byte_level_tokens() + SPECIALS)
    w.add_token_types([gguf.TokenType.NORMAL] * 256 + [gguf.TokenType.CONTROL] * len(SPECIALS))
    w.add_token_merges([])
    w.add_eos_token_id(256 + SPECIALS.index("<|im_end|>"))
    w.add_bos_token_id(256 + SPECIALS.index("<|endoftext|>"))
    w.add_add_bos_token(False)
    for name, p in model.state_dict().items():
        if name == "lm_head.weight" and cfg.tie_word_embeddings:
            continue
        a = p.detach().numpy()
        w.add_tensor(gguf_name(name), a.astype(np.float16) if a.ndim == 2 else a.astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def sequences():
    rng = np.random.default_rng(7)
    return [rng.integers(0, 256, size=n).tolist() for n in (5, 48, 130)]


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {"source": "Hugging Face transformers %s (torch %s), float32 compute, eager attention" % (
        __import__("transformers").__version__, torch.__version__), "sequences": sequences(), "models": {}}
    for seed, (arch, cls, cfg) in enumerate(configs(), start=1):
        torch.manual_seed(seed)
        model = cls(cfg).float().eval()
        randomize(model, seed)
        write_gguf(os.path.join(OUT, f"{arch}.gguf"), arch, cfg, model)
        save_hf(os.path.join(OUT, f"{arch}_hf"), model)
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
