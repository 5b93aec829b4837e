#!/usr/bin/env bash
# Installs what is needed, builds the release preset, and runs the server on config.toml.
# Extra arguments go to gatehouse (e.g. --listen 0.0.0.0:8000).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
exec build/release/core/gatehouse --config config.toml "$@"
