#!/usr/bin/env python3
"""Writes the tokenizer and chat-template golden files with Hugging Face transformers.

  tests/golden/tokenizer_smollm2.golden   JSON lines: a header object, then one object per
                                          text: {"text", "ids"} and, for texts that contain
                                          special-token strings, "ids_plain" (special tokens
                                          not parsed) and "decoded_skip" (decode without them)
  tests/golden/tokenizer_chat_templates.json
                                          apply_chat_template renderings of a few conversations
                                          with the SmolLM2 template (from the GGUF) and with
                                          Qwen2.5, Llama 3, Llama 3.1 and Gemma 3 templates

The tokenizer is transformers' own GGUF conversion (AutoTokenizer.from_pretrained with
gguf_file=...), independent of our C++ code. One correction: transformers picks the
pre-tokenizer from tokenizer.ggml.pre and has no entry for "smollm", so it falls back to the
plain GPT-2 ByteLevel regex. SmolLM2's published tokenizer.json (HuggingFaceTB/SmolLM2-*)
uses Sequence[Digits(individual_digits=True), ByteLevel(add_prefix_space=False,
use_regex=True)] (as does llama.cpp's "smollm" type), so the script installs that one; the two
differ only on whitespace runs directly before a digit ("  5"). The script prints how many
texts that correction changes, and, if llama-cpp-python is installed, how many ids agree with
llama.cpp's tokenizer too (informational; the golden is the Hugging Face result).

Texts: every distinct non-empty line of /usr/share/common-licenses/* (freely redistributable
verbatim, present on every Debian system), the paragraphs of a few of them (with their
newlines and indentation), the whole Apache-2.0 text as one string, hand-written tricky lines
and deterministic pseudo-random Unicode soup.

Run:  /path/to/venv/bin/python scripts/golden/make_tokenizer_goldens.py
(requirements: scripts/golden/requirements.txt)
"""
from __future__ import annotations

import importlib.metadata
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
MODELS = ROOT / "models"
SMOLLM2 = "SmolLM2-135M-Instruct.Q4_1.gguf"
LICENSES = Path("/usr/share/common-licenses")

SPECIAL_STRINGS = ("<|im_start|>", "<|im_end|>", "<|endoftext|>", "<repo_name>", "<file_sep>", "<filename>",
                   "<gh_stars>", "<issue_start>", "<jupyter_code>", "<empty_output>", "<reponame>")

# ---------------------------------------------------------------------------------------------
# Texts

HAND_WRITTEN = [
    "Hello world",
    " Hello world",
    "  Hello  world  ",
    "hello\tworld\t\ttabs",
    "trailing space ",
    "   ",
    " ",
    "\n",
    "\n\n\n",
    "line one\nline two\r\nline three\rline four",
    "mixed \n \t \r\n whitespace \u00a0 runs",
    "1234567",
    "3.14159 2.71828 1e-10 -42 +7 0x1F 0b1010 1,000,000 $19.99 50%",
    "  5 apples and   12 pears",
    "Year 2024: 365 days; 12 months; 7-day weeks.",
    "it's don't won't I'm you're we've they'll he'd IT'S DON'T I'M YOU'RE",
    "'s 't 're 've 'm 'll 'd",
    "rock 'n' roll, 'quoted', \"double\", `backticks`",
    "e-mail: someone@example.com, url: https://example.org/path?q=1&r=2#frag",
    "café naïve résumé façade Ångström Øresund Straße",
    "Ελληνικά, Русский текст, Українська, Български",
    "中文文本，日本語のテキスト、한국어 텍스트。",
    "東京都渋谷区 2-21-1 ヒカリエ",
    "emoji: 😀😃😄 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️ 🇯🇵",
    "עברית מימין לשמאל, العربية من اليمين إلى اليسار",
    "Hindi: हिन्दी भाषा, Thai: ภาษาไทย, Tamil: தமிழ்",
    "combining: e\u0301 a\u0308 n\u0303 o\u0302\u0323 Z\u0335\u0328\u0327a\u0336l\u0337g\u0338o",
    "zero\u200bwidth\u200cjoiner\u200dmark\ufeffBOM",
    "unicode spaces:\u2002en\u2003em\u2009thin\u3000ideographic\u0085nel",
    "math: ∑_{i=1}^{n} x_i² ≤ ∞, √2 ≈ 1.414, ½ ¾ ⅓, ①②③, Ⅻ",
    "digits: ٠١٢٣ ० १ २ ３４５ 𝟘𝟙",
    "fullwidth: ＡＢＣ ａｂｃ １２３！？",
    "def f(x):\n    return x ** 2  # square\n",
    "int main() { printf(\"%d\\n\", 42); return 0; }",
    "for (int i = 0; i < n; ++i) {\n\tsum += a[i];\n}",
    "<html><body class=\"x\">&amp; &lt;tag&gt;</body></html>",
    "{\"key\": [1, 2, 3], \"nested\": {\"a\": null, \"b\": true}}",
    "SELECT * FROM users WHERE id = 42 AND name LIKE '%smith%';",
    "$ ls -la | grep '\\.txt$' > out.log 2>&1",
    "!!! ??? ... --- *** ### @@@ %%% ^^^ &&& ((( ))) [[[ ]]] {{{ }}}",
    "a.b,c;d:e!f?g",
    "ALLCAPS lowercase MixedCase camelCaseWord snake_case_word kebab-case-word",
    "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n",
    "text<|im_end|>more text<|endoftext|>",
    "<|im_start|><|im_start|><|im_end|>",
    "<|im_start",
    "im_start|>",
    "< |im_start| >",
    "<repo_name>kvzip<file_sep>src/main.cpp<gh_stars>100",
    "<reponame> vs <repo_name>",
    "Given the context, answer to the following question or request without explanation.\n\n",
    "\n\nRepeat the previous context exactly.",
    "\n\nRepeat the part of the previous context exactly, starting with ",
    "\n\nAnswer: ",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    " " * 100 + "x",
    "-" * 80,
    "=" * 33 + "\n" + "=" * 33,
    "ab" * 60,
    "🙂" * 20,
    "\x00\x01\x02\x1b[31mred\x1b[0m\x7f",
    "tab\u000bvertical\u000cformfeed",
    "ſ's and 'ſ",
    "control bytes SmolLM2 lacks: a\x04b\x06c\x13d\x14e\x16f\x1dg",
]

# Characters whose UTF-8 is one byte that SmolLM2's vocabulary has no token for (the others it
# lacks, 0xC0 0xC1 0xF5..0xFF, never occur in well-formed UTF-8); Hugging Face drops them.
MISSING_BYTE_CHARS = "\x04\x06\x13\x14\x16\x1d"


def license_texts() -> tuple[list[str], list[str], str]:
    """Distinct lines, distinct paragraphs, and the whole Apache-2.0 text."""
    lines: dict[str, None] = {}
    paragraphs: dict[str, None] = {}
    for path in sorted(LICENSES.iterdir()):
        if path.is_symlink() or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        for line in text.split("\n"):
            if line.strip():
                lines.setdefault(line)
        if path.name in ("Apache-2.0", "Artistic", "BSD", "MPL-2.0"):
            for para in text.split("\n\n"):
                if para.strip() and "\n" in para:
                    paragraphs.setdefault(para)
    apache = (LICENSES / "Apache-2.0").read_text(encoding="utf-8")
    return list(lines), list(paragraphs), apache


def unicode_soup(count: int, seed: int = 1234, specials: tuple[str, ...] = SPECIAL_STRINGS) -> list[str]:
    """Deterministic pseudo-random strings mixing scripts, digits, spaces and special tokens."""
    rng = random.Random(seed)
    pools = [
        [chr(c) for c in range(0x21, 0x7F)],                              # ASCII printable
        list("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        list("0123456789"),
        list(" \t\n\r  \n\n"),
        ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE"],
        [chr(c) for c in range(0xC0, 0x180)],                             # Latin-1 / Latin Extended-A
        [chr(c) for c in range(0x300, 0x370)],                            # combining marks
        [chr(c) for c in range(0x391, 0x3CA)],                            # Greek
        [chr(c) for c in range(0x410, 0x450)],                            # Cyrillic
        [chr(c) for c in range(0x5D0, 0x5EB)] + [chr(c) for c in range(0x627, 0x64B)],  # Hebrew, Arabic
        [chr(c) for c in range(0x4E00, 0x4E00 + 400)],                    # CJK
        [chr(c) for c in range(0x3041, 0x3097)],                          # Hiragana
        [chr(c) for c in range(0xAC00, 0xAC00 + 200)],                    # Hangul
        [chr(c) for c in range(0x1F600, 0x1F650)] + ["\u200d", "\ufe0f"],  # emoji, ZWJ, VS16
        ["\u00a0", "\u2003", "\u3000", "\u0085", "\u200b", "\u2028"],     # unusual spaces
        ["٣", "５", "²", "½", "Ⅻ", "①"],                                   # other numbers
        list(specials),
    ]
    out = []
    for _ in range(count):
        n = rng.randint(1, 40)
        out.append("".join(rng.choice(rng.choice(pools)) for _ in range(n)))
    return out


# ---------------------------------------------------------------------------------------------
# Chat templates (sources as published in the models' tokenizer_config.json)

QWEN25_TEMPLATE = r"""{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
    {%- endif %}
    {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
    {%- else %}
        {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\n<tool_call>\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {{- message.content }}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
"""

LLAMA3_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
    "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}"
    "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)

LLAMA31_TEMPLATE = r"""{{- bos_token }}
{%- if custom_tools is defined %}
    {%- set tools = custom_tools %}
{%- endif %}
{%- if not tools_in_user_message is defined %}
    {%- set tools_in_user_message = true %}
{%- endif %}
{%- if not date_string is defined %}
    {%- set date_string = "26 Jul 2024" %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}

{#- This block extracts the system message, so we can slot it into the right place. #}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}

{#- System message + builtin tools #}
{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
{%- if builtin_tools is defined or tools is not none %}
    {{- "Environment: ipython\n" }}
{%- endif %}
{%- if builtin_tools is defined %}
    {{- "Tools: " + builtin_tools | reject('equalto', 'code_interpreter') | join(", ") + "\n\n"}}
{%- endif %}
{{- "Cutting Knowledge Date: December 2023\n" }}
{{- "Today Date: " + date_string + "\n\n" }}
{%- if tools is not none and not tools_in_user_message %}
    {{- "You have access to the following functions. To call a function, please respond with JSON for a function call." }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\n\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\n\n" }}
    {%- endfor %}
{%- endif %}
{{- system_message }}
{{- "<|eot_id|>" }}

{#- Custom tools are passed in a user message with some extra guidance #}
{%- if tools_in_user_message and not tools is none %}
    {#- Extract the first user message so we can plug it in here #}
    {%- if messages | length != 0 %}
        {%- set first_user_message = messages[0]['content']|trim %}
        {%- set messages = messages[1:] %}
    {%- else %}
        {{- raise_exception("Cannot put tools in the first user message when there's no first user message!") }}
{%- endif %}
    {{- '<|start_header_id|>user<|end_header_id|>\n\n' -}}
    {{- "Given the following functions, please respond with a JSON for a function call " }}
    {{- "with its proper arguments that best answers the given prompt.\n\n" }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\n\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\n\n" }}
    {%- endfor %}
    {{- first_user_message + "<|eot_id|>"}}
{%- endif %}

{%- for message in messages %}
    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}
    {%- elif 'tool_calls' in message %}
        {%- if not message.tool_calls|length == 1 %}
            {{- raise_exception("This model only supports single tool-calls at once!") }}
        {%- endif %}
        {%- set tool_call = message.tool_calls[0].function %}
        {%- if builtin_tools is defined and tool_call.name in builtin_tools %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}
            {{- "<|python_tag|>" + tool_call.name + ".call(" }}
            {%- for arg_name, arg_val in tool_call.arguments | items %}
                {{- arg_name + '="' + arg_val + '"' }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- endif %}
                {%- endfor %}
            {{- ")" }}
        {%- else  %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}
            {{- '{"name": "' + tool_call.name + '", ' }}
            {{- '"parameters": ' }}
            {{- tool_call.arguments | tojson }}
            {{- "}" }}
        {%- endif %}
        {%- if builtin_tools is defined %}
            {#- This means we're in ipython mode #}
            {{- "<|eom_id|>" }}
        {%- else %}
            {{- "<|eot_id|>" }}
        {%- endif %}
    {%- elif message.role == "tool" or message.role == "ipython" %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\n\n" }}
        {%- if message.content is mapping or message.content is iterable %}
            {{- message.content | tojson }}
        {%- else %}
            {{- message.content }}
        {%- endif %}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
{%- endif %}
"""

GEMMA3_TEMPLATE = r"""{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- if messages[0]['content'] is string -%}
        {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}
    {%- else -%}
        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\n\n' -%}
    {%- endif -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
    {%- endif -%}
    {%- if (message['role'] == 'assistant') -%}
        {%- set role = "model" -%}
    {%- else -%}
        {%- set role = message['role'] -%}
    {%- endif -%}
    {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else "") }}
    {%- if message['content'] is string -%}
        {{ message['content'] | trim }}
    {%- elif message['content'] is iterable -%}
        {%- for item in message['content'] -%}
            {%- if item['type'] == 'image' -%}
                {{ '<start_of_image>' }}
            {%- elif item['type'] == 'text' -%}
                {{ item['text'] | trim }}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{ raise_exception("Invalid content type") }}
    {%- endif -%}
    {{ '<end_of_turn>\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{'<start_of_turn>model\n'}}
{%- endif -%}
"""

CONVERSATIONS = {
    "system_user_assistant": (
        [
            {"role": "system", "content": "You are a pirate. Answer briefly."},
            {"role": "user", "content": "  What is 2+2?  \n"},
            {"role": "assistant", "content": "Four, matey."},
        ],
        False,
    ),
    "system_user_generate": (
        [
            {"role": "system", "content": " Be concise. "},
            {"role": "user", "content": "Name a prime number."},
        ],
        True,
    ),
    "multi_turn_generate": (
        [
            {"role": "user", "content": "Hello!"},
            {"role": "assistant", "content": "Hi there. How can I help?"},
            {"role": "user", "content": "Tell me a joke\nabout cats."},
        ],
        True,
    ),
    "user_only_generate": ([{"role": "user", "content": "Hi"}], True),
}


# ---------------------------------------------------------------------------------------------


def load_reference_tokenizer():
    from tokenizers import pre_tokenizers
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(MODELS), gguf_file=SMOLLM2)
    plain_gguf = tok.backend_tokenizer.pre_tokenizer
    tok.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True),
    ])
    return tok, plain_gguf


def llama_cpp_tokenizer():
    try:
        import llama_cpp
    except ImportError:
        return None
    return llama_cpp.Llama(model_path=str(MODELS / SMOLLM2), vocab_only=True, verbose=False)


def make_tokenizer_golden(texts: list[str]) -> None:
    tok, plain_gguf = load_reference_tokenizer()
    backend = tok.backend_tokenizer
    records = []
    changed_by_digits = 0
    for text in texts:
        ids = tok.encode(text, add_special_tokens=False)
        decoded = tok.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)
        rec = {"text": text, "ids": ids}
        if decoded != text:
            # Only expected where the text has a byte the vocabulary has no token for.
            if not any(ch in text for ch in MISSING_BYTE_CHARS):
                sys.exit(f"Hugging Face decode does not round-trip {text!r}: {decoded!r}")
            rec["decoded"] = decoded
        if any(s in text for s in SPECIAL_STRINGS):
            rec["ids_plain"] = tok.encode(text, add_special_tokens=False, split_special_tokens=True)
            rec["decoded_skip"] = tok.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)
        records.append(rec)
        # How much the published pre-tokenizer matters compared with transformers' GGUF default.
        current = backend.pre_tokenizer
        backend.pre_tokenizer = plain_gguf
        if tok.encode(text, add_special_tokens=False) != ids:
            changed_by_digits += 1
        backend.pre_tokenizer = current

    llama = llama_cpp_tokenizer()
    if llama is not None:
        agree = sum(llama.tokenize(r["text"].encode(), add_bos=False, special=True) == r["ids"] for r in records)
        print(f"llama.cpp agrees with the golden ids on {agree} of {len(records)} texts")
    else:
        print("llama-cpp-python not installed: no llama.cpp cross-check")
    print(f"{changed_by_digits} texts tokenize differently without SmolLM2's digit pre-tokenizer")

    header = {
        "model": SMOLLM2,
        "generator": "scripts/golden/make_tokenizer_goldens.py",
        "reference": "transformers GGUF tokenizer + SmolLM2 tokenizer.json pre-tokenizer "
                     "(Digits(individual_digits) + ByteLevel)",
        "versions": {p: importlib.metadata.version(p) for p in ("transformers", "tokenizers")},
        "count": len(records),
    }
    out = GOLDEN / "tokenizer_smollm2.golden"
    with out.open("w", encoding="utf-8") as f:
        f.write(json.dumps(header, ensure_ascii=False) + "\n")
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {out} ({len(records)} texts, {out.stat().st_size} bytes)")


def make_chat_golden() -> None:
    from transformers import AutoTokenizer
    from transformers.utils.chat_template_utils import render_jinja_template

    tok = AutoTokenizer.from_pretrained(str(MODELS), gguf_file=SMOLLM2)
    templates = {
        "smollm2": (tok.chat_template, ""),
        "qwen2.5": (QWEN25_TEMPLATE, ""),
        "llama3": (LLAMA3_TEMPLATE, "<|begin_of_text|>"),
        "llama3.1": (LLAMA31_TEMPLATE, "<|begin_of_text|>"),
        "gemma3": (GEMMA3_TEMPLATE, "<bos>"),
    }
    cases = []
    for name, (source, bos) in templates.items():
        for conv_name, (messages, gen) in CONVERSATIONS.items():
            if name == "smollm2":
                # The real path: the template the GGUF carries, through the tokenizer's own method.
                expected = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=gen)
            else:
                rendered, _ = render_jinja_template([messages], chat_template=source, add_generation_prompt=gen,
                                                    bos_token=bos, eos_token="")
                expected = rendered[0]
            cases.append({"template": name, "conversation": conv_name, "messages": messages,
                          "add_generation_prompt": gen, "expected": expected})
    doc = {
        "generator": "scripts/golden/make_tokenizer_goldens.py",
        "versions": {p: importlib.metadata.version(p) for p in ("transformers", "jinja2")},
        "templates": {name: {"source": src, "bos": bos} for name, (src, bos) in templates.items()},
        "cases": cases,
    }
    out = GOLDEN / "tokenizer_chat_templates.json"
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(cases)} cases)")


def main() -> None:
    if not (MODELS / SMOLLM2).exists():
        sys.exit(f"{MODELS / SMOLLM2} is missing: run scripts/fetch_models.sh first")
    lines, paragraphs, apache = license_texts()
    texts = HAND_WRITTEN + lines + paragraphs + [apache] + unicode_soup(400)
    seen: dict[str, None] = {}
    for t in texts:
        seen.setdefault(t)
    make_tokenizer_golden(list(seen))
    make_chat_golden()


if __name__ == "__main__":
    main()
