#!/usr/bin/env bash
# Installs what the tests need and runs the whole test suite:
# formatting, lints (warnings are errors), the static checks of the AWS
# definition, every test of the workspace (the AWS ones against a local
# moto server each test starts), and the release build of every Lambda.
# Used by CI (.ci/run) and by developers: `bash scripts/test.sh`.
#
# Tools are installed when absent into a cache folder outside the clone
# (NOKTVRN_TOOLS_DIR, default ~/.cache/noktvrn/tools) that can always be
# rebuilt: a Python venv with moto's server, cfn-lint, aws-sam-translator
# and cargo-lambda, and asl-validator from npm.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
CACHE="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/noktvrn"
# A target dir outside the clone survives between runs on the same machine:
# a cache that can always be rebuilt.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
TOOLS="${NOKTVRN_TOOLS_DIR:-$CACHE/tools}"
mkdir -p "$CARGO_TARGET_DIR" "$TOOLS"

need() { command -v "$1" >/dev/null 2>&1; }
for tool in cargo python3 npm; do
  if ! need "$tool"; then
    echo "$tool is required (cargo: https://rustup.rs; python3 and npm from your system's packages)" >&2
    exit 1
  fi
done
# rustfmt and clippy ship with the toolchain; add them where rustup can.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi

echo "== tools (moto, cfn-lint, aws-sam-translator, cargo-lambda, asl-validator)"
PY_TOOLS=("moto[server]==5.2.5" "cfn-lint==1.58.0" "aws-sam-translator==1.115.0" "cargo-lambda==1.9.2")
if [ ! -x "$TOOLS/venv/bin/python" ]; then
  python3 -m venv "$TOOLS/venv"
fi
if ! "$TOOLS/venv/bin/python" -m pip freeze 2>/dev/null | grep -q '^moto==5.2.5$' \
   || ! [ -x "$TOOLS/venv/bin/cargo-lambda" ] || ! [ -x "$TOOLS/venv/bin/cfn-lint" ]; then
  "$TOOLS/venv/bin/python" -m pip install --quiet --disable-pip-version-check "${PY_TOOLS[@]}"
fi
ASL_VALIDATOR="$TOOLS/npm/node_modules/.bin/asl-validator"
if [ ! -x "$ASL_VALIDATOR" ]; then
  npm install --silent --no-audit --no-fund --prefix "$TOOLS/npm" asl-validator@4.0.0
fi
export PATH="$TOOLS/venv/bin:$PATH"
export NOKTVRN_MOTO_SERVER="$TOOLS/venv/bin/moto_server"

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== static checks (SAM transform + cfn-lint, asl-validator, substitutions, error names, events)"
"$TOOLS/venv/bin/python" scripts/check_static.py . "$ASL_VALIDATOR"

echo "== cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test"
cargo test --workspace --locked --no-fail-fast

echo "== cargo lambda build --release (every function, x86_64 here; the deploy builds arm64)"
bash scripts/lambda-sizes.sh
