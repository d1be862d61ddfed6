#!/usr/bin/env bash
# Builds every crate, the binaries (`verin-node`, the test-only `verin-node-lying`, `verin`)
# and all test binaries in the release profile, in one cargo invocation so features unify
# once and no dependency is compiled twice. `cargo test` builds the binaries because their
# packages have integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo test --release --workspace --no-run --locked
