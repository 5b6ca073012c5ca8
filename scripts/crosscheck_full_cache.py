#!/usr/bin/env python3
"""Cross-checks kvzip eval's full-cache answers with llama.cpp.

`kvzip eval --export-tasks tasks.jsonl` writes the examples of a run; this
script builds the same prompts (the reference's QA template: prefix, context,
question, answer prefix, each tokenized on its own as kvzip does), answers
them greedily with llama-cpp-python, and compares with the `full_prediction`
of a kvzip results file. It tells a model that cannot do a task (both engines
give the same wrong answer) from an engine bug.

    kvzip eval -m MODEL -t kv-retrieval --n 3 --ctx-len 500 --export-tasks /tmp/t.jsonl
    kvzip eval -m MODEL -t kv-retrieval --n 3 --ctx-len 500 --methods random --ratios 1 -o /tmp/r.jsonl
    python scripts/crosscheck_full_cache.py -m MODEL --tasks /tmp/t.jsonl --results /tmp/r.jsonl

Needs llama-cpp-python (the reference environment, scripts/golden/requirements.txt).
"""
import argparse
import json
import sys

INSTRUCTION = "Given the context, answer to the following question or request without explanation.\n\n"
SYSTEM = "You are a helpful assistant."
# (prefix, postfix) per template, as src/tokenizer/chat_template.cpp writes
# them; BOS is the model's own. "plain": a model without a chat template (a
# base model such as Gemma 3 270M).
TEMPLATES = {
    "chatml": ("<|im_start|>system\n" + SYSTEM + "<|im_end|>\n<|im_start|>user\n" + INSTRUCTION,
               "<|im_end|>\n<|im_start|>assistant\n"),
    "gemma": ("{bos}<start_of_turn>user\n" + SYSTEM + "\n\n" + INSTRUCTION,
              "<end_of_turn>\n<start_of_turn>model\n"),
    "plain": ("{bos}" + INSTRUCTION, "\n\nAnswer: "),
}


def detect_template(metadata):
    src = metadata.get("tokenizer.chat_template", "")
    if not src:
        return "plain"
    if "<|im_start|>" in src:
        return "chatml"
    if "<start_of_turn>" in src:
        return "gemma"
    sys.exit("unsupported chat template: give --template")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-m", "--model", required=True, help="GGUF file")
    ap.add_argument("--tasks", required=True, help="kvzip eval --export-tasks output")
    ap.add_argument("--results", required=True, help="kvzip eval results (full_prediction per question)")
    ap.add_argument("--template", choices=sorted(TEMPLATES), help="default: from the model's metadata")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    from llama_cpp import Llama

    llm = Llama(model_path=a.model, n_ctx=4096, n_threads=a.threads, logits_all=False, verbose=False)
    template = a.template or detect_template(llm.metadata)
    bos = llm.detokenize([llm.token_bos()], special=True).decode()
    prefix, postfix = (t.replace("{bos}", bos) for t in TEMPLATES[template])
    print(f"template: {template}")

    def tok(text, special):
        return llm.tokenize(text.encode(), add_bos=False, special=special)

    full = {}
    for line in open(a.results):
        if line.strip():
            r = json.loads(line)
            full[(r["example"], r["question_index"])] = r["full_prediction"]

    same = total = right_llama = right_ours = 0

    def contains_all(text, answers):
        items = answers if isinstance(answers, list) else [answers]
        return all(str(i).lower() in text.lower() for i in items)
    for ei, line in enumerate(l for l in open(a.tasks) if l.strip()):
        ex = json.loads(line)
        for qi, q in enumerate(ex["questions"]):
            if (ei, qi) not in full:
                continue
            ids = tok(prefix, True) + tok(ex["context"], False) + tok("\n\n" + q.strip() + postfix, True)
            if ex.get("answer_prefixes") and ex["answer_prefixes"][qi]:
                ids += tok(ex["answer_prefixes"][qi], False)
            llm.reset()
            out = []
            for t in llm.generate(ids, top_k=1, top_p=1.0, temp=0.0, reset=True):
                if llm.token_eos() == t or len(out) >= ex["max_new_tokens"]:
                    break
                out.append(t)
            text = llm.detokenize(out).decode(errors="replace")
            ours = full[(ei, qi)]
            total += 1
            same += text == ours
            right_llama += contains_all(text, ex["answers"][qi])
            right_ours += contains_all(ours, ex["answers"][qi])
            print(f"example {ei} q{qi}: {'same' if text == ours else 'DIFFERENT'}\n"
                  f"  llama.cpp: {text!r}\n  kvzip:     {ours!r}\n  answer:    {ex['answers'][qi]!r}")
    print(f"{same}/{total} full-cache answers identical; holding the answer: llama.cpp {right_llama}, kvzip {right_ours}")
    return 0 if total else 1


if __name__ == "__main__":
    sys.exit(main())
