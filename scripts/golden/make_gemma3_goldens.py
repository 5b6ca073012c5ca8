#!/usr/bin/env python3
"""Reference logits and greedy continuations for Gemma 3 270M from Hugging Face
transformers, an implementation independent of kvzip.

transformers loads the same GGUF file (dequantizing every tensor to float32),
so the reference sees exactly our weights. Token ids come from transformers'
tokenizer built from the GGUF, so this golden tests the forward pass alone.
One prompt is longer than the 512-token sliding window, so the local layers'
window and RoPE base matter. Writes tests/golden/gemma3_logits.json: per prompt
its ids, the greedy continuation, the top logits and every 64th logit of the
last position (the full 262144-logit vector is too large to commit).

Usage: python scripts/golden/make_gemma3_goldens.py [models/gemma-3-270m-q4_k_m.gguf]
Needs: pip install -r scripts/golden/requirements.txt (torch, transformers, gguf).
"""
import json
import os
import sys

import numpy as np
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden")
N_GREEDY = 16
N_TOP = 20
STRIDE = 64


def long_text():
    # A fixed, generated text (no data files needed): numbered facts, so the
    # continuation depends on content far outside the sliding window.
    colors = ["red", "green", "blue", "yellow", "purple", "orange", "black", "white"]
    lines = [f"Fact {i}: the box number {i} is painted {colors[(i * 5) % 8]} and holds {i * 7 % 13} marbles."
             for i in range(1, 61)]
    return "\n".join(lines) + "\nQuestion: what color is box number 3? Answer: box number 3 is painted"


PROMPTS = [
    ("capital", "The capital of France is"),
    ("science", "The theory of relativity was developed by"),
    ("code", "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n"),
    ("long_window", long_text()),
]


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "models", "gemma-3-270m-q4_k_m.gguf")
    d, f = os.path.split(os.path.abspath(path))
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, torch_dtype=torch.float32)
    model.eval()
    out = []
    for name, text in PROMPTS:
        ids = tok(text)["input_ids"]  # with <bos>, as the model expects
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0, -1].float().numpy()
            gen = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                 max_new_tokens=N_GREEDY, do_sample=False, pad_token_id=tok.pad_token_id)
        cont = gen[0, len(ids):].tolist()
        top = np.argsort(-logits)[:N_TOP]
        out.append({
            "name": name, "ids": ids, "greedy": cont,
            "greedy_text": tok.decode(cont, skip_special_tokens=True),
            "top_ids": top.tolist(), "top_logits": [float(logits[i]) for i in top],
            "strided_logits": [float(x) for x in logits[::STRIDE]],
            "n_vocab": int(logits.shape[0]),
        })
        print(f"{name}: {len(ids)} ids, top1 {top[0]} {tok.decode([int(top[0])])!r}, greedy {out[-1]['greedy_text']!r}")
    meta = {
        "source": "Hugging Face transformers %s (torch %s), float32, weights dequantized from the GGUF" % (
            __import__("transformers").__version__, torch.__version__),
        "model": f, "stride": STRIDE, "prompts": out,
    }
    with open(os.path.join(GOLDEN, "gemma3_logits.json"), "w") as fh:
        json.dump(meta, fh, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
