#!/usr/bin/env bash
# The README's first command: set up, build the node and the `verin` CLI (nothing else), and
# start a single-node development chain whose worker serves the example models.
# Blocks are produced and finalized by Alice; RPC on ws://127.0.0.1:9944. Ctrl-C stops it.
# State is kept in a temporary directory and discarded on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --chain-only
source scripts/env.sh
cargo build --release --locked -p verin-node -p verin-cli
echo "[dev] starting verin-node --dev --worker --tee-provider dev on ws://127.0.0.1:9944"
echo "[dev] genesis: models 0 digits-mlp-f32, 1 digits-mlp-int8, 2 intent-mlp-f32; Alice serves them"
echo "[dev] the CLI: $CARGO_TARGET_DIR/release/verin"
exec "$VERIN_NODE" --dev --tmp --worker --tee-provider dev --rpc-port 9944 --rpc-cors all --no-mdns \
	--listen-addr /ip4/127.0.0.1/tcp/30333 "$@"
