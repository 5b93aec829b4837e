#!/usr/bin/env bash
# Installs the Debian 12 packages Gatehouse builds, runs and tests with (with --build: only
# what building the server and its packages needs). Idempotent: when everything is
# already there it changes nothing and needs no network.
set -euo pipefail

# What a build of the server and its packages needs (the container's build stage: --build).
build=(
  g++ cmake ninja-build pkg-config ccache binutils git
  libboost1.81-dev libboost-url1.81-dev   # Asio, Beast, DLL (header-only), URL
  libsimdjson-dev libtomlplusplus-dev libssl-dev zlib1g-dev libxxhash-dev
  libhiredis-dev                          # the shared tier on Redis
  dpkg-dev                                # the packages' Depends, from the libraries
)
# ... and what the tests, benchmarks and fuzzers need besides.
tests=(
  redis-server                            # the replica tests start one on 127.0.0.1
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format
  clang libclang-rt-14-dev                # libFuzzer and its sanitizers (scripts/fuzz.sh)
  python3 python3-jsonschema              # the OpenAPI document's validation
  lintian procps                          # the package test
  chromium chromium-driver python3-selenium  # the catalog page's test in a real browser
)
packages=("${build[@]}")
[ "${1:-}" = "--build" ] || packages+=("${tests[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing: ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
