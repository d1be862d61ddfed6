#!/usr/bin/env bash
# Refreshes the runtime metadata the SDK is generated from (client/sdk/metadata/verin.scale),
# read from a dev node of the current build. Run it after changing a pallet's calls, events,
# errors or storage; the SDK's e2e test fails (and says to run this) while the file is stale.
#   bash scripts/update-metadata.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
[ -x "$VERIN_NODE" ] || bash scripts/build.sh
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$VERIN_NODE" --dev --tmp --rpc-port "$port" --no-mdns --listen-addr /ip4/127.0.0.1/tcp/0 >/dev/null 2>&1 &
node_pid=$!
trap 'kill $node_pid 2>/dev/null || true' EXIT
python3 - "$port" client/sdk/metadata/verin.scale <<'PY'
import json, sys, time, urllib.request
port, out = sys.argv[1], sys.argv[2]
def call(method, params):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}", body, {"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(request, timeout=10).read())["result"]
for _ in range(120):
    try:
        call("system_health", [])
        break
    except Exception:
        time.sleep(0.5)
# Metadata_metadata_at_version(16) -> Option<OpaqueMetadata>: 0x01, compact length, bytes.
raw = bytes.fromhex(call("state_call", ["Metadata_metadata_at_version", "0x10000000"])[2:])
assert raw[0] == 1, "the runtime offers no metadata v16"
mode = raw[1] & 3
offset = {0: 2, 1: 3, 2: 5}[mode]
length = {0: raw[1] >> 2, 1: int.from_bytes(raw[1:3], "little") >> 2, 2: int.from_bytes(raw[1:5], "little") >> 2}[mode]
metadata = raw[offset:offset + length]
assert len(metadata) == length and metadata[:4] == b"meta", "unexpected metadata encoding"
open(out, "wb").write(metadata)
print(f"[metadata] wrote {out} ({length} bytes)")
PY
