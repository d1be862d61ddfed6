#!/usr/bin/env bash
# Builds every crate, the node binary and all test binaries in the release profile, in one
# cargo invocation so features unify once and no dependency is compiled twice.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo test --release --workspace --no-run --locked
