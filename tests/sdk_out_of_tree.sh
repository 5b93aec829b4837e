#!/usr/bin/env bash
# Installs the SDK alone into a temporary prefix, builds tests/sdk_consumer against it
# out of tree, and has the host load and run the resulting plugin.
set -euo pipefail
build_dir=$1 gatehouse=$2 consumer=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --component sdk --prefix "$work/prefix" >/dev/null
# Only the contract is installed: no host header, no host library.
test -f "$work/prefix/include/gatehouse/plugin.h"
test -f "$work/prefix/include/gatehouse/plugin.hpp"
if find "$work/prefix" -name '*.a' -o -name 'config.hpp' | grep -q .; then
  echo "the SDK install leaks host files" >&2
  exit 1
fi

# A plain build: the consumer gets none of this tree's flags or sanitizers.
env -u CXXFLAGS -u LDFLAGS cmake -S "$consumer" -B "$work/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/build" >/dev/null

# Only the entry symbol is exported.
exported=$(nm -D --defined-only "$work/build/hello.so" | awk '$2 ~ /^[TDRBW]$/ {print $3}')
if [ "$exported" != "gatehouse_plugin_entry" ]; then
  echo "hello.so exports more than its entry symbol:" >&2
  echo "$exported" >&2
  exit 1
fi

out=$("$gatehouse" check-plugin "$work/build/hello.so" --sample "$consumer/sample.txt" \
  --option owner=acme)
echo "$out"
grep -q 'plugin:      hello' <<<"$out"
grep -q 'models:      2 emitted, 2 valid, 0 invalid' <<<"$out"
grep -q '{"id":"acme/first-model","name":"first model"' <<<"$out"
echo "sdk_out_of_tree: ok"
