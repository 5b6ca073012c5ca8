#!/usr/bin/env python3
"""Two tiny random-weight Hugging Face Llama checkpoints and their reference
outputs from transformers/tokenizers, for the Hugging Face checkpoint loader.

This script writes each checkpoint's spec (config, tokenizer, shard index)
into tests/golden/<folder>/; scripts/make_tiny_models.py (standard library
only, run by scripts/setup.sh on every machine) writes deterministic weights
into models/tiny/<folder>/ from it, and the references here are computed on
that checkpoint.

tests/golden/tiny_llama_hf/          BF16, untied lm_head, Llama 3.1 rope scaling,
                                     Llama-3 regex Split pre-tokenizer (ignore_merges),
                                     ChatML chat template, one model.safetensors
tests/golden/tiny_llama_hf_sharded/  F16, tied embeddings, GPT-2 ByteLevel
                                     pre-tokenizer, sharded safetensors + index
Each spec folder gets golden.json (token ids of test texts, prompts, greedy
continuations) and golden_logits.f32 (every position's logits of each prompt,
little-endian float32, prompts in order). References run in float32 on the
weights as stored (BF16/F16 widened exactly), so they see our weights.

Usage: python scripts/golden/make_tiny_hf_goldens.py
Needs: pip install -r scripts/golden/requirements.txt (torch, transformers, tokenizers).
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import torch
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden")
MODELS = os.path.join(ROOT, "models", "tiny")

# Llama 3's split regex, as in Meta-Llama-3.1-8B-Instruct/tokenizer.json.
LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")
CHATML = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + "
          "'<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|im_start|>", "<|im_end|>"]

CORPUS = """\
The quick brown fox jumps over the lazy dog. A cache keeps the keys and values of every token.
KVzip scores each key-value pair by how much the model needs it to reconstruct the context,
then keeps only the most important ones. It's 2026 and we're testing 12345 tokens, don't worry!
Numbers like 3.14159, 2718 and 1000000 appear; so do emails (a@b.cd) and code: def f(x): return x*2
Ünïcödé text: café, naïve, 東京, Москва, ελληνικά, emoji 🙂 and tabs\tand
newlines.

   Indented lines, trailing spaces   and "quotes" or 'single quotes' -- dashes -- and ... dots.
""" * 3

TEXTS = [
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    "It's 2026: 12345 tokens, 3.14159 and 1000000!",
    "  leading spaces and trailing   ",
    "line one\nline two\n\n\tindented\r\nwindows",
    "Ünïcödé café 東京 Москва 🙂",
    "unseen words: zyxwvut qqqq",
    "<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n",
    "text with <|end_of_text|> inside",
    "I'M SHOUTING, YOU'LL SEE, WE'D GO",
    "kvzip compresses; kvzipped caches, KVZIP",
]


def train_tokenizer(llama3_style):
    tok = Tokenizer(models.BPE())
    if llama3_style:
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(LLAMA3_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
    else:
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=420 if llama3_style else 360, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator([CORPUS], trainer)
    if llama3_style:
        # Llama 3 sets ignore_merges: a piece that is a token is not re-merged.
        vocab = tok.get_vocab()
        merges = json.loads(tok.to_str())["model"]["merges"]
        merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in merges]
        tok.model = models.BPE(vocab=vocab, merges=merges, ignore_merges=True)
    # A non-special added token: matched in the text before pre-tokenization.
    tok.add_tokens(["kvzip"])
    bos = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.TemplateProcessing(
        single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B",
        special_tokens=[("<|begin_of_text|>", bos)])
    return tok


def older_tokenizer_formats(path):
    """Rewrites the files as older tokenizers/transformers versions wrote them (and
    many published checkpoints still have): merges as "a b" strings, the chat
    template inside tokenizer_config.json instead of chat_template.jinja."""
    with open(os.path.join(path, "tokenizer.json"), encoding="utf-8") as f:
        tj = json.load(f)
    tj["model"]["merges"] = [" ".join(m) for m in tj["model"]["merges"]]
    with open(os.path.join(path, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False)
    with open(os.path.join(path, "tokenizer_config.json"), encoding="utf-8") as f:
        tc = json.load(f)
    with open(os.path.join(path, "chat_template.jinja"), encoding="utf-8") as f:
        tc["chat_template"] = f.read()
    os.remove(os.path.join(path, "chat_template.jinja"))
    with open(os.path.join(path, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(tc, f, indent=2, ensure_ascii=False)


def write_shard_index(path, config, dtype):
    """model.safetensors.index.json: the embeddings in the first shard, then one
    shard per layer, the final norm (and lm_head) with the last layer."""
    with torch.device("meta"):
        params = dict(LlamaForCausalLM(config).named_parameters())  # a tied lm_head is not listed
    shards = config.num_hidden_layers + 1

    def shard(name):
        if name.startswith("model.layers."):
            return int(name.split(".")[2]) + 2
        return 1 if name == "model.embed_tokens.weight" else shards

    n_params = sum(p.numel() for p in params.values())
    index = {"metadata": {"total_parameters": n_params, "total_size": n_params * torch.finfo(dtype).bits // 8},
             "weight_map": {n: f"model-{shard(n):05d}-of-{shards:05d}.safetensors" for n in sorted(params)}}
    with open(os.path.join(path, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2)


def build(folder, *, llama3_style, dtype, tied, hidden, heads, kv_heads, ff, layers, sharded):
    path = os.path.join(GOLDEN, folder)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    tok = train_tokenizer(llama3_style)
    hf_tok = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|begin_of_text|>", eos_token="<|im_end|>",
                                     chat_template=CHATML)
    vocab = tok.get_vocab_size()
    rope = ({"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
             "original_max_position_embeddings": 64, "rope_theta": 10000.0} if llama3_style
            else {"rope_type": "default", "rope_theta": 50000.0})
    config = LlamaConfig(vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                         num_key_value_heads=kv_heads, head_dim=16, intermediate_size=ff, rms_norm_eps=1e-5,
                         max_position_embeddings=512, tie_word_embeddings=tied, rope_parameters=rope,
                         bos_token_id=tok.token_to_id("<|begin_of_text|>"),
                         eos_token_id=tok.token_to_id("<|end_of_text|>"), architectures=["LlamaForCausalLM"],
                         dtype={torch.bfloat16: "bfloat16", torch.float16: "float16"}[dtype])
    config.save_pretrained(path)
    GenerationConfig.from_model_config(config).save_pretrained(path)
    if sharded:
        write_shard_index(path, config, dtype)
    hf_tok.save_pretrained(path)
    if not llama3_style:
        older_tokenizer_formats(path)
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make_tiny_models.py")], check=True)

    # The reference: the generated checkpoint, computed in float32.
    checkpoint = os.path.join(MODELS, folder)
    tok = PreTrainedTokenizerFast.from_pretrained(checkpoint)
    model = LlamaForCausalLM.from_pretrained(checkpoint, dtype=torch.float32).eval()
    texts = [{"text": t, "ids": tok(t, add_special_tokens=False)["input_ids"],
              "ids_with_bos": tok(t)["input_ids"]} for t in TEXTS]
    chat = tok.apply_chat_template([{"role": "user", "content": "Say something about the fox."}], tokenize=False,
                                   add_generation_prompt=True)
    prompts, blobs = [], []
    for name, text in [("plain", "The quick brown fox"), ("long", CORPUS[:160]), ("chat", chat)]:
        ids = tok(text)["input_ids"] if name != "chat" else tok(text, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0].float().numpy()
            gen = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                 max_new_tokens=16, min_new_tokens=16, do_sample=False,
                                 pad_token_id=config.eos_token_id, output_logits=True, return_dict_in_generate=True)
        steps = torch.stack(gen.logits)[:, 0].float().numpy()
        top2 = np.sort(steps, axis=1)[:, -2:]
        prompts.append({"name": name, "text": text, "ids": ids, "greedy": gen.sequences[0, len(ids):].tolist(),
                        "greedy_min_margin": float((top2[:, 1] - top2[:, 0]).min())})
        blobs.append(logits.astype("<f4"))
    meta = {"source": f"transformers {__import__('transformers').__version__}, tokenizers "
                      f"{__import__('tokenizers').__version__}, torch {torch.__version__}, float32",
            "weights": "scripts/make_tiny_models.py", "n_vocab": vocab, "texts": texts, "prompts": prompts,
            # RoPE frequencies after scaling, as transformers computes them
            "rope_inv_freq": model.model.rotary_emb.inv_freq.tolist()}
    with open(os.path.join(path, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1, ensure_ascii=False)
    np.concatenate([b.reshape(-1) for b in blobs]).tofile(os.path.join(path, "golden_logits.f32"))
    size = sum(os.path.getsize(os.path.join(path, n)) for n in os.listdir(path))
    print(f"{folder}: {sorted(os.listdir(path))}, {size} bytes, greedy margins "
          f"{[round(p['greedy_min_margin'], 4) for p in prompts]}")


def main():
    build("tiny_llama_hf", llama3_style=True, dtype=torch.bfloat16, tied=False, hidden=64, heads=4, kv_heads=2,
          ff=128, layers=2, sharded=False)
    build("tiny_llama_hf_sharded", llama3_style=False, dtype=torch.float16, tied=True, hidden=32, heads=2,
          kv_heads=1, ff=64, layers=2, sharded=True)


if __name__ == "__main__":
    main()
