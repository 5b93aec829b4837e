#!/usr/bin/env bash
# Installs what is needed, then builds and runs every test, first in the release preset
# and then under AddressSanitizer + UBSan, then runs each fuzzer for FUZZ_SECONDS (default
# 20). PRESETS="release" runs only the presets named; FUZZ_SECONDS=0 skips the fuzzers.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
for preset in ${PRESETS:-release asan}; do
  echo "== $preset: configure and build" >&2
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "== $preset: test" >&2
  ctest --preset "$preset"
done
if [ "${FUZZ_SECONDS:-20}" != 0 ]; then
  echo "== fuzz: ${FUZZ_SECONDS:-20} s each" >&2
  scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
fi
