#!/usr/bin/env bash
# Builds the libFuzzer targets (preset fuzz: clang, ASan + UBSan) and runs each for SECONDS
# (default 20; CI runs 20), seeded from the recorded fixtures and tests/fuzz/seeds. The
# corpus grows in build/fuzz/corpus across runs. A crash stops the script with its input
# saved as build/fuzz/crash-*; replay it with build/fuzz/tests/fuzz/fuzz_<name> <file>.
#   scripts/fuzz.sh [SECONDS] [NAME...]       e.g. scripts/fuzz.sh 600 api query
set -euo pipefail
cd "$(dirname "$0")/.."

all=(api config headers hub_normalize hub_router portkey_normalize openrouter_normalize
     openai_compatible_normalize query snapshot)
seconds=${1:-20}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS] [NAME...]   (names: ${all[*]})" >&2
  exit 2
fi
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for name in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $name "* ]] || { echo "fuzz.sh: no fuzzer '$name'" >&2; exit 2; }
done

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

# Seeds: the recordings (under -max_len, so the 2.3 MB list and the 400 KB model infos
# would only be cut into broken JSON) and the hand-made ones.
seeds_of() {
  case "$1" in
    hub_normalize) echo tests/fixtures/huggingface/list_50.json \
                        tests/fixtures/huggingface/cassettes ;;
    portkey_normalize) echo tests/fixtures/portkey/models.json ;;
    openai_compatible_normalize) echo tests/fixtures/openai_compatible ;;
    *) echo tests/fuzz/seeds/"$1" ;;
  esac
}

failed=()
for name in "${targets[@]}"; do
  corpus=build/fuzz/corpus/$name
  mkdir -p "$corpus"
  for seed in $(seeds_of "$name"); do
    if [ -d "$seed" ]; then cp "$seed"/* "$corpus"/; else cp "$seed" "$corpus"/; fi
  done
  log=build/fuzz/$name.log
  if ! build/fuzz/tests/fuzz/fuzz_"$name" "$corpus" -max_total_time="$seconds" \
      -max_len=65536 -rss_limit_mb=2048 -timeout=10 -artifact_prefix=build/fuzz/ \
      -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz_$name: FAILED (the input is saved under build/fuzz/; log $log)" >&2
    failed+=("$name")
    continue
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -n 1 | grep -o 'cov: [0-9]*' ||
        echo "cov: ?")
  echo "fuzz_$name: $runs runs in ${seconds} s, $cov, corpus $(ls "$corpus" | wc -l) inputs" >&2
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzers that failed: ${failed[*]}" >&2
  exit 1
fi
