#!/usr/bin/env bash
# Builds every crate, the node binary and all test binaries in the release profile, in one
# cargo invocation so features unify once and no dependency is compiled twice.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
# First the test-only lying node (the optimistic tier's end-to-end test runs one), with the
# same command plus the feature, so only the node crate differs; then the real build, which
# leaves the honest `verin-node` in place. Cargo keeps both variants, so later builds reuse them.
cargo test --release --workspace --no-run --locked --features verin-node/test-lying-worker
cp "$VERIN_NODE" "$VERIN_LYING_NODE.tmp" && mv "$VERIN_LYING_NODE.tmp" "$VERIN_LYING_NODE"
cargo test --release --workspace --no-run --locked
