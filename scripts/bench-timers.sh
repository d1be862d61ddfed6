#!/usr/bin/env bash
# The timer benchmark (runtime/tests/timers.rs): Optimistic jobs at the highest rate a
# block's normal class admits, for 200 blocks; prints the rate and how late timers fired.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
# The whole workspace, as scripts/build.sh builds it, so no dependency is rebuilt with other
# features.
cargo test --release --workspace --locked --test timers -- --ignored --nocapture
