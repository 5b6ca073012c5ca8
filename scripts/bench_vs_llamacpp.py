#!/usr/bin/env python3
"""Prefill and decode speed of kvzip and llama.cpp (llama-cpp-python) on the
same GGUF file with the same thread count, measured one after the other in
one run, printed as a Markdown table.

Usage: python scripts/bench_vs_llamacpp.py [-m MODEL] [--prompt-tokens 512,2048]
           [--gen-tokens 128] [--threads N] [--reps 3] [--kvzip build/kvzip]
Needs: pip install llama-cpp-python (built from PyPI sources) numpy.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bench_llamacpp(model, prompt_tokens, gen_tokens, threads, reps):
    import llama_cpp
    import numpy as np

    rows = []
    for P in prompt_tokens:
        llm = llama_cpp.Llama(model_path=model, n_ctx=P + gen_tokens + 8, n_threads=threads,
                              n_threads_batch=threads, n_batch=min(P, 512), n_ubatch=min(P, 512),
                              logits_all=False, verbose=False)
        vocab = llm.n_vocab()
        rng = random.Random(1234)
        ids = [rng.randrange(100, vocab) for _ in range(P)]
        pf, dc = [], []
        for _ in range(reps):
            llm.reset()
            llm._ctx.kv_cache_clear()
            t0 = time.perf_counter()
            llm.eval(ids)
            pf.append(P / (time.perf_counter() - t0))
            t0 = time.perf_counter()
            for _ in range(gen_tokens):
                # llama-cpp-python keeps only the last token's logits when logits_all is off.
                logits = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(vocab,))
                nxt = int(np.argmax(logits))
                llm.eval([nxt])
            dc.append(gen_tokens / (time.perf_counter() - t0))
        rows.append({"prompt_tokens": P, "prefill_tok_per_s": statistics.median(pf),
                     "decode_tok_per_s": statistics.median(dc)})
        del llm
    return {"engine": "llama.cpp (llama-cpp-python %s)" % llama_cpp.__version__, "results": rows}


def bench_kvzip(binary, model, prompt_tokens, gen_tokens, threads, reps):
    cmd = [binary, "bench", "-m", model, "--prompt-tokens", ",".join(map(str, prompt_tokens)),
           "--gen-tokens", str(gen_tokens), "--threads", str(threads), "--reps", str(reps), "--json"]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-m", "--model", default=os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--prompt-tokens", default="512,2048")
    ap.add_argument("--gen-tokens", type=int, default=128)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--kvzip", default=os.path.join(ROOT, "build", "kvzip"))
    a = ap.parse_args()
    P = [int(x) for x in a.prompt_tokens.split(",")]
    ours = bench_kvzip(a.kvzip, a.model, P, a.gen_tokens, a.threads, a.reps)
    theirs = bench_llamacpp(a.model, P, a.gen_tokens, a.threads, a.reps)
    print(f"model: {os.path.basename(a.model)}, threads: {a.threads}, gen tokens: {a.gen_tokens}, "
          f"median of {a.reps}\n")
    print("| prompt | kvzip prefill tok/s | llama.cpp prefill tok/s | ratio | "
          "kvzip decode tok/s | llama.cpp decode tok/s | ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for o, t in zip(ours["results"], theirs["results"]):
        print(f"| {o['prompt_tokens']} | {o['prefill_tok_per_s']:.1f} | {t['prefill_tok_per_s']:.1f} | "
              f"{o['prefill_tok_per_s'] / t['prefill_tok_per_s']:.2f} | {o['decode_tok_per_s']:.1f} | "
              f"{t['decode_tok_per_s']:.1f} | {o['decode_tok_per_s'] / t['decode_tok_per_s']:.2f} |")
    print(f"\n{theirs['engine']}")


if __name__ == "__main__":
    sys.exit(main())
