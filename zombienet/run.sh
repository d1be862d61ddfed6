#!/usr/bin/env bash
# Runs one zombienet test (a .zndsl file) against the locally built verin-node.
#   bash zombienet/run.sh zombienet/two-validators.zndsl
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
test_file=$(realpath "$1")

[ -x "$VERIN_NODE" ] || { echo "no node binary at $VERIN_NODE: run scripts/build.sh" >&2; exit 1; }
[ -x zombienet/node_modules/.bin/zombienet ] || { echo "zombienet missing: run scripts/setup.sh" >&2; exit 1; }

export VERIN_NODE
# Native provider only: nodes run as local processes bound to 127.0.0.1.
exec zombienet/node_modules/.bin/zombienet --provider native --dir "$(mktemp -d -t verin-zombienet-XXXXXX)" test "$test_file"
