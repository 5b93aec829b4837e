#!/usr/bin/env bash
# Loads a running gatehouse with wrk on 127.0.0.1 and prints requests/s and latency
# percentiles for the requests that matter: a small page, the query shapes of a catalog
# page (search, filter and sort), and the full list.
#
#   benchmarks/wrk.sh            # starts its own server on the real 2,817-model Hub list
#   COPIES=36 benchmarks/wrk.sh  # ... on it repeated 36 times, ids suffixed (101,412 models)
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
COPIES=${COPIES:-1}
[ "$COPIES" = 1 ] || command -v python3 >/dev/null || apt-get install -y -qq python3 >/dev/null

if [ -z "${URL:-}" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release >/dev/null
  work=$(mktemp -d)
  trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
  list=$PWD/tests/fixtures/huggingface/list_2817.json
  if [ "$COPIES" != 1 ]; then  # the same records again, ids suffixed: a larger real-shaped list
    python3 - "$list" "$COPIES" "$work/list.json" <<'PY'
import json, sys
records = json.load(open(sys.argv[1], encoding="utf-8"))
out = []
for copy in range(int(sys.argv[2])):
    for r in records:
        r = dict(r)
        if copy:
            r["id"] = r["id"] + "-copy" + str(copy)
        out.append(r)
json.dump(out, open(sys.argv[3], "w", encoding="utf-8"), ensure_ascii=False)
PY
    list=$work/list.json
  fi
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
file = "$list"
TOML
  build/release/core/gatehouse --config "$work/config.toml" 2>"$work/log" &
  server=$!
  # Ready to measure once the first catalog is in (its log line), on the port it logged.
  for _ in $(seq 1200); do
    grep -q "gateway 'hug': .* models from" "$work/log" && break
    kill -0 "$server" 2>/dev/null || { cat "$work/log" >&2; exit 1; }
    sleep 0.1
  done
  URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/log" | head -1)
  # The catalog is served before the work after it is done (snapshot write, merged view):
  # let that finish, or the first run's percentiles measure it.
  curl -s -o /dev/null "$URL/v1/catalog/models?gateway=all&limit=1"
  sleep 2
fi

run() {
  echo "== $1"
  shift
  wrk --latency -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$@" |
    grep -E 'Requests/sec|Transfer/sec|^ +(50|75|90|99)%'
}

run "page of 5: GET /v1/catalog/models?gateway=hug&limit=5" \
  "$URL/v1/catalog/models?gateway=hug&limit=5"
for query in "q=llama&limit=20" "pipeline_tag=text-generation&sort=created&limit=20" \
             "provider=meta-llama&sort=likes&limit=20" "q=qwen2.5-7b&limit=20"; do
  run "GET /v1/catalog/models?gateway=hug&$query" "$URL/v1/catalog/models?gateway=hug&$query"
done
run "full list: GET /v1/catalog/models?gateway=hug" "$URL/v1/catalog/models?gateway=hug"
run "full list, gzip" -H "Accept-Encoding: gzip" "$URL/v1/catalog/models?gateway=hug"
