# Sourced by the scripts: one cargo target directory shared by the dev network, the tests and
# CI, so nothing is compiled twice. Override with CARGO_TARGET_DIR.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/verin/target}"
export VERIN_NODE="$CARGO_TARGET_DIR/release/verin-node"
# The test-only node whose engine alters every output (node/lying), for the optimistic
# tier's end-to-end tests; never part of a release.
export VERIN_LYING_NODE="$CARGO_TARGET_DIR/release/verin-node-lying"
export VERIN_PYTHON="$HOME/.cache/verin/venv/bin/python"
# The model zoo and its test cases (scripts/zoo, fetched and computed by setup.sh).
export VERIN_ZOO="${VERIN_ZOO:-$HOME/.cache/verin/zoo}"
# The official ONNX Runtime library, from the onnxruntime wheel setup.sh installs in the venv.
VERIN_ORT_LIBRARY="$(ls "$HOME"/.cache/verin/venv/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so.1.* 2>/dev/null | head -n 1 || true)"
export VERIN_ORT_LIBRARY
