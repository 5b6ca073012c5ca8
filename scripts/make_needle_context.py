#!/usr/bin/env python3
"""Writes a needle-in-a-haystack context: the first ~13 kB of the essays in
HAYSTACK_DIR (sorted by name) with five facts inserted at 10/30/50/70/90 %
depth, and prints the matching `kvzip test` sweep command.

Usage: python scripts/make_needle_context.py [HAYSTACK_DIR] [OUT]
       (defaults: ../shared/data/paul_graham_essays, /tmp/needles.txt)
"""
import os
import shlex
import sys

NEEDLES = [
    ("The secret password of the vault is BLUE-FALCON-42.", "What is the secret password of the vault?", "BLUE-FALCON-42"),
    ("Maria's favourite fruit is the mango.", "What is Maria's favourite fruit?", "mango"),
    ("The meeting with the investors is scheduled for Thursday at 3 pm.",
     "When is the meeting with the investors scheduled?", "Thursday"),
    ("The name of the lighthouse keeper's dog is Biscuit.", "What is the name of the lighthouse keeper's dog?", "Biscuit"),
    ("The lucky number of the startup founder is 8127.", "What is the lucky number of the startup founder?", "8127"),
]


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    hay = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared", "data", "paul_graham_essays")
    out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/needles.txt"
    text = ""
    for name in sorted(os.listdir(hay)):
        with open(os.path.join(hay, name), encoding="utf-8") as f:
            text += f.read() + "\n\n"
        if len(text) > 13000:
            break
    text = text[:13000]
    result = text
    for i, (fact, _, _) in reversed(list(enumerate(NEEDLES))):
        pos = text.find(". ", int(len(text) * (0.1 + 0.2 * i))) + 2
        result = result[:pos] + fact + " " + result[pos:]
    with open(out, "w", encoding="utf-8") as f:
        f.write(result)
    args = ["./build/kvzip", "test", "-c", out, "-n", "24"]
    for _, q, a in NEEDLES:
        args += ["-q", q, "-e", a]
    args += ["--sweep-ratios", "0.5,0.3,0.2,0.1"]
    print(" ".join(shlex.quote(x) for x in args))


if __name__ == "__main__":
    main()
