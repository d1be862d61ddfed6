#!/usr/bin/env bash
# Prints how many inference jobs (request + result) and how many balance transfers fit in
# one block, from the runtime's benchmarked weights and its block limits.
#   bash scripts/bench-capacity.sh
# Uses the release profile, so it reuses the node build's artifacts.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo bench --profile release --locked -p verin-runtime --bench block_capacity
