#!/usr/bin/env bash
# Loads a running gatehouse with wrk on 127.0.0.1 and prints requests/s and latency
# percentiles for the two requests that matter: a small page and the full list.
#
#   benchmarks/wrk.sh            # starts its own server on the real 2,817-model Hub list
#   URL=http://127.0.0.1:8000 benchmarks/wrk.sh   # or loads one that already runs
#
# The server it starts serves tests/fixtures/huggingface/list_2817.json through the test
# plugin (tests/plugins/fixture_plugin.cpp), so it needs no network.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}

scripts/install-deps.sh
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null

if [ -z "${URL:-}" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release >/dev/null
  work=$(mktemp -d)
  trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
  cat >"$work/config.toml" <<TOML
[server]
listen = "127.0.0.1:0"
threads = ${SERVER_THREADS:-2}
[cache]
dir = "$work/cache"
[[gateways]]
name = "hug"
plugin = "$PWD/build/release/tests/plugins/fixture.so"
[gateways.options]
file = "$PWD/tests/fixtures/huggingface/list_2817.json"
TOML
  build/release/core/gatehouse --config "$work/config.toml" 2>"$work/log" &
  server=$!
  # Ready to measure once the first catalog is in (its log line), on the port it logged.
  for _ in $(seq 300); do
    grep -q "gateway 'hug': .* models from" "$work/log" && break
    kill -0 "$server" 2>/dev/null || { cat "$work/log" >&2; exit 1; }
    sleep 0.1
  done
  URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/log" | head -1)
fi

run() {
  echo "== $1"
  shift
  wrk --latency -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$@" |
    grep -E 'Requests/sec|Transfer/sec|^ +(50|75|90|99)%'
}

run "page of 5: GET /v1/catalog/models?gateway=hug&limit=5" \
  "$URL/v1/catalog/models?gateway=hug&limit=5"
run "full list: GET /v1/catalog/models?gateway=hug" "$URL/v1/catalog/models?gateway=hug"
run "full list, gzip" -H "Accept-Encoding: gzip" "$URL/v1/catalog/models?gateway=hug"
