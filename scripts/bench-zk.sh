#!/usr/bin/env bash
# Verin's plonky2 prover against EZKL (PyPI `ezkl`) on the same 64-32-10 digits MLP, in one
# run on this machine: prove time, verify time, proof size, peak memory, and the ratios;
# then the runtime's cost of checking a ZK result in wasm (node/benches/zk_verify.rs).
#   bash scripts/bench-zk.sh
# Installs EZKL into its own venv (~/.cache/verin/venv-ezkl); it is not part of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
source scripts/env.sh

EZKL_VERSION=23.0.5
venv="$HOME/.cache/verin/venv-ezkl"
if ! "$venv/bin/python" -c "import ezkl, sys; sys.exit(ezkl.__version__ != '$EZKL_VERSION')" 2>/dev/null; then
	echo "[bench-zk] installing ezkl $EZKL_VERSION into $venv"
	python3 -m venv "$venv"
	"$venv/bin/pip" install --quiet --disable-pip-version-check "ezkl==$EZKL_VERSION" onnx numpy
fi

cargo build --release --locked -p verin-zk --example zk_bench
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "[bench-zk] EZKL: settings, calibration, SRS, keys (not timed against Verin)"
"$venv/bin/python" scripts/bench/ezkl_digits.py prepare "$work/ezkl" 2>/dev/null | tail -n 1 >"$work/ezkl-prepare.json"

# Peak resident memory of a whole process, in KiB (GNU time).
measure() { /usr/bin/time -f "%M" -o "$1" "${@:2}"; }
echo "[bench-zk] proving: Verin, then EZKL"
measure "$work/verin.rss" "$CARGO_TARGET_DIR/release/examples/zk_bench" scripts/models/digits-mlp-int8.onnx 3 >"$work/verin.json"
measure "$work/ezkl-prove.rss" "$venv/bin/python" scripts/bench/ezkl_digits.py prove "$work/ezkl" 2>/dev/null | tail -n 1 >"$work/ezkl-prove.json"
measure "$work/ezkl-verify.rss" "$venv/bin/python" scripts/bench/ezkl_digits.py verify "$work/ezkl" 2>/dev/null | tail -n 1 >"$work/ezkl-verify.json"

python3 - "$work" <<'PY'
import json, pathlib, sys
w = pathlib.Path(sys.argv[1])
v = json.loads((w / "verin.json").read_text())
prep = json.loads((w / "ezkl-prepare.json").read_text())
ep = json.loads((w / "ezkl-prove.json").read_text())
ev = json.loads((w / "ezkl-verify.json").read_text())
v_rss = int((w / "verin.rss").read_text().split()[-1]) / 1024
e_rss = int((w / "ezkl-prove.rss").read_text().split()[-1]) / 1024
rows = [
    ("prove (s)", v["prove_s"], ep["prove_s"], ep["prove_s"] / v["prove_s"], "EZKL / Verin"),
    ("verify, native (ms)", v["verify_s"] * 1e3, ev["verify_s"] * 1e3, ev["verify_s"] / v["verify_s"], "EZKL / Verin"),
    ("proof (KiB)", v["proof_bytes"] / 1024, ep["proof_bytes"] / 1024, v["proof_bytes"] / ep["proof_bytes"], "Verin / EZKL"),
    ("peak memory of the proving process (MiB)", v_rss, e_rss, e_rss / v_rss, "EZKL / Verin"),
    ("one-time setup (s)", v["build_s"], prep["srs_s"] + prep["setup_s"], (prep["srs_s"] + prep["setup_s"]) / v["build_s"], "EZKL / Verin"),
]
print("| 64-32-10 digits MLP, one row | Verin (plonky2) | EZKL 23.0.5 (halo2, KZG) | ratio | |")
print("|---|---:|---:|---:|---|")
for name, ours, theirs, ratio, how in rows:
    print(f"| {name} | {ours:.3f} | {theirs:.3f} | {ratio:.1f}x | {how} |")
print()
print(f"Verin: circuit degree {v['degree']}, verifier data {v['verifier_bytes']} bytes, no trusted setup "
      f"(setup = circuit build). EZKL: logrows {prep['logrows']}, setup = local SRS generation + key generation.")
PY

echo
echo "[bench-zk] the ZK check inside the runtime (wasm)"
cargo bench --profile release --locked -p verin-e2e --bench zk_verify
