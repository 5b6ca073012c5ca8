#!/usr/bin/env python3
"""Writes the Gemma 3 tokenizer golden files with Hugging Face transformers.

  tests/golden/tokenizer_gemma3.golden     JSON lines: a header object, then one object per
                                           text: {"text", "ids"} and, where they apply,
                                           "ids_plain" (special tokens not parsed; only where it
                                           differs from "ids"), "decoded_skip" (decode without
                                           control tokens), "decoded" (Hugging Face's decode
                                           when it is not the text itself) and "ids_llama_cpp"
                                           (llama.cpp's ids when they differ from Hugging Face's)
  tests/golden/tokenizer_gemma3_chat.json  Gemma 3 conversations through Hugging Face's
                                           apply_chat_template (tokenized, template below)

The reference tokenizer is transformers' own conversion of models/gemma-3-270m-q4_k_m.gguf
(AutoTokenizer.from_pretrained(dir, gguf_file=...): a GemmaTokenizer, BPE with byte fallback
whose merges transformers rebuilds from the GGUF vocabulary in vocabulary order), independent
of our C++ code. llama-cpp-python (Llama(vocab_only=True).tokenize) is the cross-check. The GGUF
marks Gemma's pieces of 2..31 spaces USER_DEFINED and spells them with real spaces, so llama.cpp
matches them in the raw text, longest first, while Hugging Face respells them "▁▁..." and merges
them like other pieces (before any other piece, shorter runs first). The two then disagree on
runs of 32 or more spaces (llama.cpp: 31 + rest; Hugging Face: e.g. 40 = 16 + 24) and on a literal
'▁' next to a space (llama.cpp does not merge it with the space into "▁▁"). Everything else
agrees. We follow Hugging Face; the golden keeps llama.cpp's ids for those texts
("ids_llama_cpp") and the header counts the agreement.

Texts: the corpus of make_tokenizer_goldens.py (hand-written tricky lines, license lines and
paragraphs, the whole Apache-2.0 text, pseudo-random Unicode soup, here with Gemma's special
tokens), every third license line to keep the file small, plus Gemma-specific lines: chat-turn
markup, whitespace runs around and over the 31-space pieces, tabs and newlines runs, HTML tags
the vocabulary holds whole, characters the vocabulary lacks (byte fallback) and text that only
looks like special or byte tokens.

Run:  /path/to/venv/bin/python scripts/golden/make_gemma_tokenizer_goldens.py
(requirements: scripts/golden/requirements.txt)
"""
from __future__ import annotations

import importlib.metadata
import json
import sys

from make_tokenizer_goldens import (CONVERSATIONS, GEMMA3_TEMPLATE, GOLDEN, HAND_WRITTEN, MODELS, license_texts,
                                    unicode_soup)

GEMMA3 = "gemma-3-270m-q4_k_m.gguf"

GEMMA_SPECIALS = ("<bos>", "<eos>", "<pad>", "<unk>", "<mask>", "<start_of_turn>", "<end_of_turn>", "<unused0>",
                  "<unused42>", "<start_of_image>", "<end_of_image>", "[multimodal]", "<table>", "</td>", "<h1>",
                  "<code>", "\t\t", "\n\n\n")

# Characters outside Gemma's vocabulary (checked below): they fall back to <0xNN> byte tokens.
BYTE_FALLBACK_CHARS = "\ue00b\ue012\U000f0000\U0010fff5\U0002a6d6\u0ff0\x0e"

GEMMA_TEXTS = [
    "<start_of_turn>user\nWhat is the capital of France?<end_of_turn>\n<start_of_turn>model\n",
    "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n",
    "<start_of_turn>user\n  spaced   question  <end_of_turn>\n",
    "text<end_of_turn>more<eos>tail<pad><unk><mask>",
    "<start_of_turn><start_of_turn><end_of_turn>",
    "<start_of_turn",
    "start_of_turn>",
    "< start_of_turn >",
    "<unused0><unused42><unused6241>",
    "<start_of_image><end_of_image>[multimodal]",
    "<table><tr><td>1</td><td>2</td></tr></table>",
    "<h1>Title</h1><p>para</p><code>x = 1</code>",
    "<0x41><0xE4><0x00> look like byte tokens",
    "\u2581 literal lower one eighth block \u2581\u2581x",
    "byte fallback: " + " ".join(BYTE_FALLBACK_CHARS),
    BYTE_FALLBACK_CHARS,
    "a" + BYTE_FALLBACK_CHARS[0] + "b" + BYTE_FALLBACK_CHARS[1] * 3 + "c",
    "\t", "\t\t\tindented", "x\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\ty",
    "\n" * 31, "\n" * 32, "\n" * 70 + "end",
    "\r\n\r\n", "\u00a0\u00a0non-breaking",
] + [" " * n for n in (1, 2, 3, 8, 16, 30, 31, 32, 33, 40, 47, 62, 63, 64, 70, 100)] \
  + ["x" + " " * n + "y" for n in (1, 2, 5, 15, 31, 32, 45, 64, 95)] \
  + [" " * n + "word" for n in (1, 2, 4, 9)] \
  + ["word" + " " * n for n in (1, 2, 4, 9)]


def gemma_corpus() -> list[str]:
    lines, paragraphs, apache = license_texts()
    texts = HAND_WRITTEN + GEMMA_TEXTS + lines[::3] + paragraphs + [apache] + unicode_soup(300, seed=4321,
                                                                                           specials=GEMMA_SPECIALS)
    seen: dict[str, None] = {}
    for t in texts:
        seen.setdefault(t)
    return list(seen)


def load_tokenizers():
    from llama_cpp import Llama
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(MODELS), gguf_file=GEMMA3)
    llama = Llama(model_path=str(MODELS / GEMMA3), vocab_only=True, verbose=False)
    return tok, llama


def make_tokenizer_golden(tok, llama, texts: list[str]) -> None:
    vocab = tok.get_vocab()
    missing = [c for c in BYTE_FALLBACK_CHARS if c in vocab]
    if missing:
        sys.exit(f"these characters are in Gemma's vocabulary, pick others: {missing!r}")
    records = []
    agree_texts = agree_tokens = total_tokens = 0
    for text in texts:
        ids = tok.encode(text, add_special_tokens=False)
        rec = {"text": text, "ids": ids}
        plain = tok.encode(text, add_special_tokens=False, split_special_tokens=True)
        if plain != ids:
            rec["ids_plain"] = plain
            rec["decoded_skip"] = tok.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)
        decoded = tok.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)
        if decoded != text:
            rec["decoded"] = decoded
        ll_ids = llama.tokenize(text.encode(), add_bos=False, special=True)
        total_tokens += len(ids)
        if ll_ids == ids:
            agree_texts += 1
            agree_tokens += len(ids)
        else:
            rec["ids_llama_cpp"] = ll_ids
        records.append(rec)
    disagree = [r["text"] for r in records if "ids_llama_cpp" in r]
    print(f"llama.cpp agrees with Hugging Face on {agree_texts} of {len(records)} texts "
          f"({agree_tokens} of {total_tokens} tokens in the texts that agree)")
    for t in disagree:
        print(f"  differs: {t[:70]!r}{' ...' if len(t) > 70 else ''}")

    header = {
        "model": GEMMA3,
        "generator": "scripts/golden/make_gemma_tokenizer_goldens.py",
        "reference": "transformers GGUF tokenizer (GemmaTokenizer: BPE + byte fallback, merges in vocabulary order)",
        "cross_check": f"llama-cpp-python agrees on {agree_texts} of {len(records)} texts",
        "versions": {p: importlib.metadata.version(p) for p in ("transformers", "tokenizers", "llama_cpp_python")},
        "count": len(records),
        "tokens": total_tokens,
    }
    out = GOLDEN / "tokenizer_gemma3.golden"
    with out.open("w", encoding="utf-8") as f:
        f.write(json.dumps(header, ensure_ascii=False) + "\n")
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {out} ({len(records)} texts, {total_tokens} tokens, {out.stat().st_size} bytes)")


def make_chat_golden(tok) -> None:
    """The GGUF carries no chat template, so Gemma 3's published one is handed to apply_chat_template."""
    cases = []
    for name, (messages, gen) in CONVERSATIONS.items():
        ids = tok.apply_chat_template(messages, chat_template=GEMMA3_TEMPLATE, tokenize=True,
                                      add_generation_prompt=gen, return_dict=False)
        text = tok.apply_chat_template(messages, chat_template=GEMMA3_TEMPLATE, tokenize=False,
                                       add_generation_prompt=gen)
        cases.append({"conversation": name, "messages": messages, "add_generation_prompt": gen, "text": text,
                      "ids": list(ids)})
    doc = {
        "generator": "scripts/golden/make_gemma_tokenizer_goldens.py",
        "model": GEMMA3,
        "template": "GEMMA3_TEMPLATE of make_tokenizer_goldens.py (Gemma 3's tokenizer_config.json)",
        "versions": {p: importlib.metadata.version(p) for p in ("transformers", "jinja2")},
        "cases": cases,
    }
    out = GOLDEN / "tokenizer_gemma3_chat.json"
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(cases)} conversations)")


def main() -> None:
    if not (MODELS / GEMMA3).exists():
        sys.exit(f"{MODELS / GEMMA3} is missing: run scripts/fetch_models.sh first")
    tok, llama = load_tokenizers()
    make_tokenizer_golden(tok, llama, gemma_corpus())
    make_chat_golden(tok)


if __name__ == "__main__":
    main()
