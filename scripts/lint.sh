#!/usr/bin/env bash
# Formatting and lints, before the long build: `cargo fmt --check`, then clippy on every
# crate and target with warnings denied. The runtime's wasm is not built here (clippy checks
# the same code natively).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
echo "[lint] cargo fmt --check"
cargo fmt --all --check
echo "[lint] cargo clippy (warnings denied)"
SKIP_WASM_BUILD=1 cargo clippy --workspace --all-targets --locked -- -D warnings
