#!/usr/bin/env bash
# Runs one zombienet test (a .zndsl file) against the locally built verin-node.
#   bash zombienet/run.sh zombienet/two-validators.zndsl
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
test_file=$(realpath "$1")

[ -x "$VERIN_NODE" ] || { echo "no node binary at $VERIN_NODE: run scripts/build.sh" >&2; exit 1; }
[ -x zombienet/node_modules/.bin/zombienet ] || { echo "zombienet missing: run scripts/setup.sh" >&2; exit 1; }

export VERIN_NODE VERIN_ORT_LIBRARY
# The network tests' client scripts drive the market with the `verin` CLI.
export VERIN_CLI="$CARGO_TARGET_DIR/release/verin"
# Native provider only: nodes run as local processes bound to 127.0.0.1.
# Network files and node logs go to a fresh directory, kept for inspection after a failure.
# --force answers zombienet's prompts (there is no terminal in CI); text logs suit CI output.
work_dir="$(mktemp -d -t verin-zombienet-XXXXXX)/network"
echo "[zombienet] network files and logs: $work_dir"
status=0
zombienet/node_modules/.bin/zombienet --provider native --force --logType text \
	--dir "$work_dir" test "$test_file" </dev/null | tee "$work_dir.out" || status=$?

# zombienet ends with "Result: PASSED/TOTAL"; restate it in the runner-neutral form.
if result=$(grep -oE 'Result: [0-9]+/[0-9]+' "$work_dir.out" | tail -n 1); then
	passed=${result#Result: }; passed=${passed%/*}
	total=${result#*/}
	echo "zombienet $(basename "$test_file"): $passed passed, $((total - passed)) failed"
	[ "$passed" -eq "$total" ] || status=1
else
	status=1
fi
exit "$status"
