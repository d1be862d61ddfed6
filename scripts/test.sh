#!/usr/bin/env bash
# The README's second command and what CI runs: set up, check formatting and lints, build,
# then run every test.
#   1. formatting and clippy with warnings denied (scripts/lint.sh), before the long build;
#   2. cargo tests of all crates, including the end-to-end tests against real dev nodes (e2e/),
#      the long node tests in a lane beside the rest (scripts/test-cargo.sh);
#   3. the SDK built by a crate outside the workspace on plain stable Rust;
#   4. a fuzz smoke: every fuzz target for 30 s (scripts/fuzz-smoke.sh);
#   5. the zombienet network tests: two validators; four validators with two inference nodes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/lint.sh
bash scripts/build.sh
source scripts/env.sh

echo "[test] cargo tests (release profile, shared with the node build), in two lanes"
bash scripts/test-cargo.sh

echo "[test] verin-sdk from a crate outside the workspace, on plain stable Rust"
bash scripts/check-sdk-stable.sh

echo "[test] fuzz smoke: every fuzz target for ${VERIN_FUZZ_SECONDS:-30}s"
bash scripts/fuzz-smoke.sh

echo "[test] zombienet: two validators author and finalize"
bash zombienet/run.sh zombienet/two-validators.zndsl

echo "[test] zombienet: validators and inference nodes, a stopped worker and validator, a restart"
bash zombienet/run.sh zombienet/network.zndsl
