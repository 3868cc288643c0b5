#!/usr/bin/env bash
# Side-by-side benchmark of noktvrn-audio against librosa on the same files,
# one core each (taskset -c 0), decode included; plus decode-only time,
# peak RSS on a 10-minute file, and eval.py scores for both.
#
#   bash bench/audio/bench.sh [CORPUS_DEV_DIR] [TRUTH_CSV]
#
# CORPUS_DEV_DIR defaults to /work/corpus/dev (build it with
# shared/audio-corpus/make_corpus.sh --out /work/corpus). Not part of CI.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DEV="${1:-/work/corpus/dev}"
TRUTH="${2:-$DEV/truth.csv}"
EVAL="$ROOT/../shared/audio-corpus/eval.py"
[ -f "$EVAL" ] || EVAL="/work/shared/audio-corpus/eval.py"
OUT="${BENCH_OUT:-$HERE/out}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
mkdir -p "$OUT"

# --- our analyser: the example, built here (a binary left in the target dir
# by another build could be stale); `noktvrn analyze --csv` makes the same
# library call (`report::analyze_many`) in a binary of the same opt-level
( cd "$ROOT" && cargo build --release -q -p noktvrn-audio --example analyze )
OURS=("$CARGO_TARGET_DIR/release/examples/analyze" --csv)
OURS_DECODE=("$CARGO_TARGET_DIR/release/examples/analyze" --decode-only)

# --- librosa venv
if [ ! -x "$HERE/.venv/bin/python" ]; then
  python3 -m venv "$HERE/.venv"
  "$HERE/.venv/bin/pip" install -q "librosa==0.11.0" soundfile
fi

mapfile -t FILES < <(ls "$DEV"/*.wav "$DEV"/*.flac "$DEV"/*.mp3 2>/dev/null | sort)
[ "${#FILES[@]}" -gt 0 ] || { echo "no audio in $DEV" >&2; exit 1; }
MIN=$(python3 - "$TRUTH" <<'PY'
import csv, sys
print(sum(float(r["duration_s"]) for r in csv.DictReader(open(sys.argv[1]))) / 60.0)
PY
)
echo "files: ${#FILES[@]}  audio: $MIN min"

timeit() { # label outfile cmd...  -> prints user+sys seconds and wall seconds
  local label=$1 out=$2; shift 2
  /usr/bin/time -f "%U %S %e" -o "$OUT/$label.time" taskset -c 0 "$@" > "$out" 2> "$OUT/$label.err"
  read -r u s e < "$OUT/$label.time"
  python3 -c "u,s,e,m=$u,$s,$e,$MIN; print(f'$label: cpu {u+s:.2f} s  wall {e:.2f} s  -> {(u+s)/m:.4f} s/min cpu, {e/m:.4f} s/min wall')"
}

# warm the page cache so no one pays for the disk
cat "${FILES[@]}" > /dev/null
# and librosa's numba cache: its first run in a new venv compiles the JIT
# kernels (about twice the warm time), which would flatter the comparison
"$HERE/.venv/bin/python" "$HERE/librosa_bench.py" "${FILES[0]}" > /dev/null 2>&1 || true
timeit librosa "$OUT/librosa.csv" "$HERE/.venv/bin/python" "$HERE/librosa_bench.py" "${FILES[@]}"
timeit ours "$OUT/ours.csv" "${OURS[@]}" "${FILES[@]}"
timeit decode_only "$OUT/decode.csv" "${OURS_DECODE[@]}" "${FILES[@]}"

python3 - "$OUT" <<'PY'
import sys
out = sys.argv[1]
def cpu(l):
    u, s, e = open(f"{out}/{l}.time").read().split()
    return float(u) + float(s)
lib, ours, dec = cpu("librosa"), cpu("ours"), cpu("decode_only")
print(f"speed-up vs librosa: {lib / ours:.1f}x   analysis / decode-only: {ours / dec:.2f}x")
PY

# --- peak memory on a 10-minute file (corpus WAVs concatenated)
LONG="$OUT/long_10min.wav"
if [ ! -f "$LONG" ]; then
  python3 - "$LONG" "$DEV" <<'PY'
import glob, sys, wave
out, dev = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(dev + "/*.wav"))
w = wave.open(out, "wb")
w.setnchannels(2); w.setsampwidth(2); w.setframerate(44100)
need = 600 * 44100
while need > 0:
    for f in files:
        r = wave.open(f, "rb")
        assert r.getnchannels() == 2 and r.getframerate() == 44100 and r.getsampwidth() == 2
        fr = r.readframes(min(need, r.getnframes()))
        w.writeframes(fr)
        need -= len(fr) // 4
        if need <= 0:
            break
w.close()
PY
fi
/usr/bin/time -v "${OURS[@]}" "$LONG" > /dev/null 2> "$OUT/rss.txt"
echo "peak RSS, 10-minute file: $(awk '/Maximum resident/ {printf "%.1f MB", $6/1024}' "$OUT/rss.txt")"

echo "--- eval: noktvrn-audio"
python3 "$EVAL" "$OUT/ours.csv" --truth "$TRUTH" --by category
echo "--- eval: librosa"
python3 "$EVAL" "$OUT/librosa.csv" --truth "$TRUTH" --by category
