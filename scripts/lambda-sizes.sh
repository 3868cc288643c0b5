#!/usr/bin/env bash
# Builds every Lambda with cargo-lambda in one cargo invocation (shared
# dependencies compile once), prints each bootstrap's size and fails when a
# zipped bootstrap is over 6 MB (docs/benchmarks.md has the figures and
# what keeps them small). ARCH=arm64 builds what `sam build` deploys; the
# default is the host's x86_64 (what CI checks).
#
# Cross-crate LTO is switched off here (CARGO_PROFILE_RELEASE_LTO=false):
# with it, every one of the 14 binaries re-optimises the whole SDK at link
# time, about 3 minutes per binary on 2 cores, which does not fit the CI
# budget. Without it the shared code is compiled once and each binary only
# links. `sam build` uses the release profile as is (thin LTO), whose
# binaries are no larger than these; LTO=thin ./scripts/lambda-sizes.sh
# measures them.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=$((6 * 1024 * 1024))
ARCH_FLAG="--x86-64"
if [ "${ARCH:-x86_64}" = "arm64" ]; then ARCH_FLAG="--arm64"; fi
pkgs=()
for d in functions/*/; do
  [ -f "$d/Cargo.toml" ] && pkgs+=(-p "$(basename "$d")")
done
CARGO_PROFILE_RELEASE_LTO="${LTO:-false}" cargo lambda build --release --locked "$ARCH_FLAG" --output-format zip --lambda-dir "${CARGO_TARGET_DIR:-target}/lambda" "${pkgs[@]}"
status=0
printf '%-22s %12s %12s  %s\n' function bootstrap zipped "<= 6 MB"
for d in functions/*/; do
  name="$(basename "$d")"
  zip="${CARGO_TARGET_DIR:-target}/lambda/$name/bootstrap.zip"
  if [ ! -f "$zip" ]; then
    echo "missing $zip" >&2
    status=1
    continue
  fi
  raw=$(python3 -c 'import sys, zipfile; print(sum(i.file_size for i in zipfile.ZipFile(sys.argv[1]).infolist()))' "$zip")
  size=$(stat -c %s "$zip")
  verdict="ok"
  if [ "$size" -gt "$TARGET" ]; then verdict="OVER"; fi
  printf '%-22s %12s %12s  %s\n' "$name" "$raw" "$size" "$verdict"
  if [ "$size" -gt "$TARGET" ]; then
    echo "$name: zipped bootstrap is $size bytes, over the 6 MB limit" >&2
    status=1
  fi
done
exit $status
