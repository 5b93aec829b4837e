#!/usr/bin/env bash
# Installs what is needed, then builds and runs every test, first in the release preset
# and then under AddressSanitizer + UBSan. PRESETS="release" runs only the ones named.
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
