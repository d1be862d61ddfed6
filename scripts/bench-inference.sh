#!/usr/bin/env bash
# Overhead of the inference engine's path (payload decoding, session cache, conversions)
# over a bare ONNX Runtime session run on the same model and input, in one run.
#   bash scripts/bench-inference.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
source scripts/env.sh
cargo bench --profile release --locked -p verin-inference-engine --bench overhead
