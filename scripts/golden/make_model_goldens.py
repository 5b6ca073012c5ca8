#!/usr/bin/env python3
"""Reference logits and greedy continuations for SmolLM2 from Hugging Face
transformers, an implementation independent of kvzip.

transformers loads the same GGUF file (dequantizing every tensor to float32),
so the reference sees exactly our weights. Writes tests/golden/smollm2_logits.json
(prompts, their token ids, greedy continuations, top logits) and
tests/golden/smollm2_logits.f32 (each prompt's full last-position logits,
little-endian float32, in prompt order).

Usage: python scripts/golden/make_model_goldens.py [models/SmolLM2-135M-Instruct.Q4_1.gguf]
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

PROMPTS = [
    # (name, text, apply chat template)
    ("chat_capital", "What is the capital of France?", True),
    ("chat_story", "Write one sentence about a cat who learns to play the piano.", True),
    ("plain_science", "The theory of relativity was developed by", False),
    ("plain_code", "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n", False),
]
N_GREEDY = 32
N_TOP = 20


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
    d, f = os.path.split(os.path.abspath(path))
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, torch_dtype=torch.float32)
    model.eval()
    out, blobs = [], []
    for name, text, chat in PROMPTS:
        if chat:
            text = tok.apply_chat_template([{"role": "user", "content": text}], tokenize=False,
                                           add_generation_prompt=True)
        ids = tok(text, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0, -1].float().numpy()
            gen = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                 max_new_tokens=N_GREEDY, do_sample=False, pad_token_id=tok.eos_token_id)
        cont = gen[0, len(ids):].tolist()
        top = np.argsort(-logits)[:N_TOP]
        out.append({
            "name": name, "text": text, "ids": ids, "greedy": cont,
            "greedy_text": tok.decode(cont, skip_special_tokens=True),
            "top_ids": top.tolist(), "top_logits": [float(logits[i]) for i in top],
            "n_vocab": int(logits.shape[0]),
        })
        blobs.append(logits.astype("<f4"))
        print(f"{name}: {len(ids)} ids, top1 {top[0]} {tok.decode([int(top[0])])!r}, greedy {out[-1]['greedy_text']!r}")
    meta = {
        "source": "Hugging Face transformers %s (torch %s), float32, weights dequantized from the GGUF" % (
            __import__("transformers").__version__, torch.__version__),
        "model": f, "prompts": out,
    }
    with open(os.path.join(GOLDEN, "smollm2_logits.json"), "w") as fh:
        json.dump(meta, fh, indent=1, ensure_ascii=False)
    np.concatenate(blobs[:3]).tofile(os.path.join(GOLDEN, "smollm2_logits.f32"))


if __name__ == "__main__":
    main()
