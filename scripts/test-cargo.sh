#!/usr/bin/env bash
# Every cargo test of the workspace (release profile, built by scripts/build.sh), in two
# lanes at once: the end-to-end tests that run dev nodes for minutes, mostly waiting for
# blocks, beside everything else (unit tests, the other integration tests). On two cores
# the lanes overlap their waiting with the other lane's work; each lane prints its log
# when it ends, and the run fails if either lane fails.
#
# Every test target lands in a lane by construction: the node lane is named below, the
# other lane is every other test target `cargo metadata` lists, plus libraries, binaries,
# examples and doc tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

# About 20 minutes in all (zoo, inference_failures, hostile_models, tee, worker_restart).
node_lane=(zoo inference_failures hostile_models tee worker_restart)

mapfile -t other_tests < <(cargo metadata --no-deps --format-version 1 --locked | python3 -c '
import json, sys
node_lane = set(sys.argv[1:])
for package in json.load(sys.stdin)["packages"]:
    for target in package["targets"]:
        if "test" in target["kind"] and target["name"] not in node_lane:
            print(target["name"])
' "${node_lane[@]}")

as_test_args() { for name in "$@"; do printf -- '--test\n%s\n' "$name"; done; }
mapfile -t node_args < <(as_test_args "${node_lane[@]}")
mapfile -t other_args < <(as_test_args "${other_tests[@]}")

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

lane() {
	local name="$1"
	shift
	local started=$SECONDS status=0
	"$@" >"$logs/$name.log" 2>&1 || status=$?
	echo "[test] lane $name: exit $status after $((SECONDS - started)) s" >>"$logs/$name.log"
	return "$status"
}

lane nodes cargo test --release --workspace --locked "${node_args[@]}" &
nodes=$!
lane others bash -c 'cargo test --release --workspace --locked --lib --bins --examples "$@" &&
	cargo test --release --workspace --locked --doc' _ "${other_args[@]}" &
others=$!

status=0
wait "$others" || status=1
cat "$logs/others.log"
wait "$nodes" || status=1
cat "$logs/nodes.log"
exit "$status"
