#!/usr/bin/env bash
# Sets up (scripts/setup.sh), then runs every test: the full suite on the
# release build (real models required), the unit tests under
# AddressSanitizer + UndefinedBehaviorSanitizer, and a short fuzzing run of
# the GGUF and safetensors parsers.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/setup.sh"

export KVZIP_REQUIRE_MODELS=1   # a missing model is a failure, not a skip
echo "== tests (release build)" >&2
ctest --test-dir "$root/build" --output-on-failure -j1

echo "== unit tests under ASan + UBSan" >&2
cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKVZIP_SANITIZE=ON >/dev/null
cmake --build "$root/build-asan" -j"$(nproc)" --target kvzip_tests kvzip
# The model-level tests are covered by the release run; under the sanitizers
# they would take most of the CI budget.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  "$root/build-asan/tests/kvzip_tests" --gtest_filter='-*SlowModel*' --gtest_brief=1

if [[ -x $root/scripts/run_fuzz.sh ]]; then
  echo "== fuzzing the GGUF parser (30 s)" >&2
  "$root/scripts/run_fuzz.sh" 30
  echo "== fuzzing the safetensors parser (15 s)" >&2
  FUZZ_TARGET=fuzz_safetensors "$root/scripts/run_fuzz.sh" 15
fi
echo "all tests passed" >&2
