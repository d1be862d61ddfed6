#!/usr/bin/env bash
# The README's first command: set up, build and start a single-node development chain.
# Blocks are produced and finalized by Alice; RPC on ws://127.0.0.1:9944. Ctrl-C stops it.
# State is kept in a temporary directory and discarded on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
source scripts/env.sh
echo "[dev] starting verin-node --dev --worker --tee-provider dev on ws://127.0.0.1:9944"
echo "[dev] genesis: models 0 digits-mlp-f32, 1 digits-mlp-int8, 2 intent-mlp-f32; Alice serves them"
exec "$VERIN_NODE" --dev --tmp --worker --tee-provider dev --rpc-port 9944 --rpc-cors all --no-mdns \
	--listen-addr /ip4/127.0.0.1/tcp/30333 "$@"
