#!/usr/bin/env bash
# Builds the libFuzzer target fuzz_gguf with clang (ASan + UBSan) in build-fuzz/
# and fuzzes the GGUF reader for SECONDS (default 30) starting from a copy of
# fuzz/corpus/. Exits non-zero if the fuzzer finds a crash, leak, timeout or
# out-of-memory input; the reproducer is left in build-fuzz/fuzz-artifacts/.
#
#   scripts/run_fuzz.sh [SECONDS] [extra libFuzzer flags...]
#   FUZZ_TARGET=fuzz_safetensors scripts/run_fuzz.sh [SECONDS]   (corpus: fuzz/corpus_safetensors/)
#   reproduce:  build-fuzz/fuzz/fuzz_gguf build-fuzz/fuzz-artifacts/crash-...
set -euo pipefail

seconds=${1:-30}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-fuzz"
target=${FUZZ_TARGET:-fuzz_gguf}
corpus="$root/fuzz/corpus"
dict=(-dict="$root/fuzz/gguf.dict")
if [[ $target != fuzz_gguf ]]; then
  corpus="$root/fuzz/corpus_${target#fuzz_}"
  dict=()
fi

CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKVZIP_FUZZ=ON -DKVZIP_TESTS=OFF >/dev/null
ninja -C "$build" "$target"

# The fuzzer adds its finds to the corpus directory: work on a copy so that the
# committed seeds stay as they are.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
if [[ -d $corpus ]]; then cp -r "$corpus"/. "$work/corpus"; fi
if [[ $target == fuzz_safetensors ]]; then
  # The seed, written here rather than committed (no weight files in git): a
  # two-tensor file (F32 [2,3] and F16 [4]) with metadata.
  python3 - "$work/corpus/two_tensors.safetensors" <<'PY'
import json, struct, sys
header = json.dumps({"__metadata__": {"format": "np"},
                     "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
                     "b": {"dtype": "F16", "shape": [4], "data_offsets": [24, 32]}}, separators=(",", ":")).encode()
header += b" " * (-len(header) % 8)
data = struct.pack("<6f", 0, 1, 2, 3, 4, 5) + struct.pack("<4e", 1, 1, 1, 1)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(header)) + header + data)
PY
fi
mkdir -p "$build/fuzz-artifacts"

echo "fuzzing $target for ${seconds}s ..." >&2
if ! "$build/fuzz/$target" "$work/corpus" \
  -max_total_time="$seconds" \
  "${dict[@]}" \
  -artifact_prefix="$build/fuzz-artifacts/" \
  -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 \
  -print_final_stats=1 "$@"; then
  echo "$target: FAILED - reproducer in $build/fuzz-artifacts/" >&2
  exit 1
fi
echo "$target: no crash in ${seconds}s (corpus grew to $(ls "$work/corpus" | wc -l) inputs)" >&2
