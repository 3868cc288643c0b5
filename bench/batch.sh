#!/usr/bin/env bash
# Times `noktvrn batch run --artists 5` with the release binary, each run on a
# fresh data directory (seeding included), and reports peak memory.
# Usage: bash bench/batch.sh [RUNS]     (not part of CI)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
cargo build --release -q -p noktvrn-cli
BIN="${CARGO_TARGET_DIR:-target}/release/noktvrn"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cmd="rm -rf $WORK/data && $BIN --data-dir $WORK/data batch run --artists 5 --creation-probability 0 >/dev/null"
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine --warmup 1 --runs "$RUNS" --shell=bash "$cmd"
else
  echo "hyperfine not found (apt-get install hyperfine); timing with bash" >&2
  for i in $(seq "$RUNS"); do
    s=$(date +%s.%N); bash -c "$cmd"; e=$(date +%s.%N)
    echo "run $i: $(echo "$e - $s" | bc) s"
  done
fi
if [ -x /usr/bin/time ]; then
  rm -rf "$WORK/data"
  /usr/bin/time -v "$BIN" --data-dir "$WORK/data" batch run --artists 5 --creation-probability 0 2>&1 >/dev/null \
    | grep -E "Maximum resident|Elapsed \(wall"
fi
