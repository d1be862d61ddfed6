#!/usr/bin/env bash
# Formatting and lints, before the long build: `cargo fmt --check`, then clippy on every
# crate and target with warnings denied. Clippy runs in the release profile with the same
# environment as the build, so the build scripts (the runtime's wasm among them) and proc
# macros it compiles are the ones the release build (scripts/build.sh) reuses.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
echo "[lint] cargo fmt --check"
cargo fmt --all --check
echo "[lint] cargo clippy (warnings denied)"
cargo clippy --release --workspace --all-targets --locked -- -D warnings
