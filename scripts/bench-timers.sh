#!/usr/bin/env bash
# The timer benchmark (runtime/tests/timers.rs): Optimistic jobs at the highest rate a
# block's normal class admits, for 200 blocks; prints the rate and how late timers fired.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo test --release --locked -p verin-runtime --test timers -- --ignored --nocapture
