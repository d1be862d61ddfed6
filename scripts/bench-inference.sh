#!/usr/bin/env bash
# Overhead over a bare ONNX Runtime session run on the same model and input, in one run:
#   1. the engine's path (payload decoding, session cache, conversions);
#   2. the whole offchain path (wasm offchain worker -> host call -> engine -> output check
#      -> signed submit_result into the pool), on the dev chain's genesis state.
#   bash scripts/bench-inference.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
source scripts/env.sh
cargo bench --profile release --locked -p verin-worker --bench overhead
cargo bench --profile release --locked -p verin-e2e --bench offchain_path
