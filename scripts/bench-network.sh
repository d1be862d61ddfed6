#!/usr/bin/env bash
# Load benchmark of a real network on this machine (loopback only): zombienet starts
# zombienet/network.toml (four validators, two inference nodes that are not validators) and
# zombienet/bench.js submits inference jobs at 32, 64, 128 and 256 per block (bulk requests of 16) for five blocks each,
# then 1,500 transfers. It prints (and writes to target/bench-network.md) the jobs finalized
# per minute, the request-to-result latency in blocks (median, p95) and the transfers per
# second of the same network. Bounded: at most 15 minutes of load.
#   bash scripts/bench-network.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
[ -x "$VERIN_NODE" ] || bash scripts/build.sh
mkdir -p "$CARGO_TARGET_DIR"
export VERIN_BENCH_OUT="$CARGO_TARGET_DIR/bench-network.md"
rm -f "$VERIN_BENCH_OUT"
bash zombienet/run.sh zombienet/bench-network.zndsl
echo
echo "[bench] $(nproc) cores, $(date -u +%Y-%m-%d); results in $VERIN_BENCH_OUT"
cat "$VERIN_BENCH_OUT"
