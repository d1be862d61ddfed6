#!/usr/bin/env bash
# Verin's plonky2 prover against EZKL (PyPI `ezkl`) on the same 64-32-10 digits MLP and the
# same statement (one row, input and output public, weights fixed), in one run on this
# machine; then the runtime's cost of checking a ZK result in wasm (e2e/benches/zk_verify.rs).
#   bash scripts/bench-zk.sh
#   VERIN_BENCH_ZK_SKIP_RUNTIME=1 bash scripts/bench-zk.sh    # without the wasm benchmark
#
# Cold: a fresh process per sample that starts from files on disk. EZKL generates the
# witness and proves with the proving key it reads from disk; Verin compiles the ONNX file,
# builds the circuit (plonky2's circuit data does not load back from disk with its witness
# generators, so a fresh Verin prover rebuilds it) and proves. Warm: one process, circuit or
# keys ready, witness and proof repeated. Five samples of each, medians in the table, every
# sample with min and max in $CARGO_TARGET_DIR/bench-zk.json. Memory is the peak RSS of the
# proving process alone (GNU time): EZKL's setup runs in a process of its own beforehand.
# Installs EZKL into its own venv (~/.cache/verin/venv-ezkl); it is not part of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
source scripts/env.sh

EZKL_VERSION=23.0.5
SAMPLES=5
MODEL=scripts/models/digits-mlp-int8.onnx
venv="$HOME/.cache/verin/venv-ezkl"
if ! "$venv/bin/python" -c "import ezkl, sys; sys.exit(ezkl.__version__ != '$EZKL_VERSION')" 2>/dev/null; then
	echo "[bench-zk] installing ezkl $EZKL_VERSION into $venv"
	python3 -m venv "$venv"
	"$venv/bin/pip" install --quiet --disable-pip-version-check "ezkl==$EZKL_VERSION" onnx numpy
fi

cargo build --release --locked -p verin-zk --example zk_bench
verin="$CARGO_TARGET_DIR/release/examples/zk_bench"
ezkl=("$venv/bin/python" scripts/bench/ezkl_digits.py)
work="$(mktemp -d)"
# EZKL logs to stderr; kept apart so the last stdout line is the JSON, shown if a step fails.
on_exit() {
	local status=$?
	[ "$status" -eq 0 ] || tail -n 20 "$work/stderr.log" 2>/dev/null || true
	rm -rf "$work"
}
trap on_exit EXIT
cut -d " " -f 1-3 /proc/loadavg >"$work/load-before"

echo "[bench-zk] EZKL: settings, calibration, SRS, keys (a process of its own, not timed against Verin)"
"${ezkl[@]}" prepare "$work/ezkl" 2>>"$work/stderr.log" | tail -n 1 >"$work/ezkl-prepare.json"

# Runs a command under GNU time: its last stdout line to OUT.json, its wall clock (s) and peak
# resident memory (KiB) to OUT.time.
measure() {
	local out=$1
	shift
	/usr/bin/time -f "%e %M" -o "$out.time" "$@" 2>>"$work/stderr.log" | tail -n 1 >"$out.json"
}
# Alternated, so that whatever else the machine does weighs on both sides alike.
echo "[bench-zk] cold: $SAMPLES fresh processes each, alternating Verin and EZKL"
for i in $(seq 1 "$SAMPLES"); do
	measure "$work/verin-cold-$i" "$verin" cold "$MODEL"
	measure "$work/ezkl-cold-$i" "${ezkl[@]}" cold "$work/ezkl"
done
echo "[bench-zk] warm: one process each, $SAMPLES proofs after an unrecorded one"
measure "$work/verin-warm" "$verin" warm "$MODEL" "$SAMPLES"
measure "$work/ezkl-warm" "${ezkl[@]}" warm "$work/ezkl" "$SAMPLES"
echo "[bench-zk] verify: $SAMPLES verifications each"
measure "$work/verin-verify" "$verin" verify "$MODEL" "$SAMPLES"
measure "$work/ezkl-verify" "${ezkl[@]}" verify "$work/ezkl" "$SAMPLES"
cut -d " " -f 1-3 /proc/loadavg >"$work/load-after"

mkdir -p "$CARGO_TARGET_DIR"
python3 - "$work" "$SAMPLES" "$CARGO_TARGET_DIR/bench-zk.json" "$EZKL_VERSION" <<'PY'
import datetime, json, os, pathlib, statistics, sys

w, samples, out, ezkl_version = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]


def run(name):
    """A process's JSON line, with its wall clock (s) and peak memory (MiB) from GNU time."""
    result = json.loads((w / f"{name}.json").read_text())
    wall, rss = (w / f"{name}.time").read_text().split()[-2:]
    return {**result, "wall_s": float(wall), "rss_mib": int(rss) / 1024}


def stats(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "samples": values}


v_cold = [run(f"verin-cold-{i}") for i in range(1, samples + 1)]
e_cold = [run(f"ezkl-cold-{i}") for i in range(1, samples + 1)]
v_warm, e_warm = run("verin-warm"), run("ezkl-warm")
v_verify, e_verify = run("verin-verify"), run("ezkl-verify")
prep = json.loads((w / "ezkl-prepare.json").read_text())
assert len({r["proof_bytes"] for r in v_cold + [v_warm, v_verify]}) == 1, "Verin's proofs differ in size"

results = {
    "date": datetime.date.today().isoformat(),
    "cores": os.cpu_count(),
    "load_before": (w / "load-before").read_text().strip(),
    "load_after": (w / "load-after").read_text().strip(),
    "model": "digits-mlp-int8, one row, input and output public, weights fixed",
    "verin": {
        "cold": {key: stats([r[key] for r in v_cold]) for key in ("total_s", "load_s", "build_s", "prove_s", "wall_s", "rss_mib")},
        "warm": {"prove_s": stats(v_warm["prove_s"]), "build_s": v_warm["build_s"], "rss_mib": v_warm["rss_mib"]},
        "verify_s": stats(v_verify["verify_s"]),
        "proof_bytes": v_warm["proof_bytes"],
        "verifier_bytes": v_warm["verifier_bytes"],
        "degree": v_warm["degree"],
    },
    "ezkl": {
        "version": ezkl_version,
        "cold": {key: stats([r[key] for r in e_cold]) for key in ("total_s", "witness_s", "prove_s", "wall_s", "rss_mib")},
        "warm": {**{key: stats(e_warm[key]) for key in ("total_s", "witness_s", "prove_s")}, "rss_mib": e_warm["rss_mib"]},
        "verify_s": stats(e_verify["verify_s"]),
        "proof_bytes": e_warm["proof_bytes"],
        "setup": prep,
    },
}
pathlib.Path(out).write_text(json.dumps(results, indent=1) + "\n")

V, E = results["verin"], results["ezkl"]
m = lambda s: s["median"]
slower = "EZKL / Verin"
rows = [
    ("cold: fresh process, total to a proof (s)", m(V["cold"]["total_s"]), m(E["cold"]["total_s"]), slower),
    ("cold: of which Verin's circuit build (s)", m(V["cold"]["build_s"]), None, None),
    ("cold: whole process, wall clock (s)", m(V["cold"]["wall_s"]), m(E["cold"]["wall_s"]), slower),
    ("warm: witness + proof, one process (s)", m(V["warm"]["prove_s"]), m(E["warm"]["total_s"]), slower),
    ("verify, native (ms)", m(V["verify_s"]) * 1e3, m(E["verify_s"]) * 1e3, slower),
    ("proof (KiB)", V["proof_bytes"] / 1024, E["proof_bytes"] / 1024, "Verin / EZKL"),
    ("peak memory, cold proving process (MiB)", m(V["cold"]["rss_mib"]), m(E["cold"]["rss_mib"]), slower),
    ("peak memory, warm proving process (MiB)", V["warm"]["rss_mib"], E["warm"]["rss_mib"], slower),
    ("one-time setup (s)", m(V["cold"]["build_s"]), E["setup"]["srs_s"] + E["setup"]["setup_s"], slower),
]
print()
print(f"| 64-32-10 digits MLP, one row, medians of {samples} | Verin (plonky2) | EZKL {ezkl_version} (halo2, KZG) | ratio | |")
print("|---|---:|---:|---:|---|")
for name, ours, theirs, how in rows:
    if theirs is None:
        print(f"| {name} | {ours:.3f} | – | | |")
        continue
    ratio = ours / theirs if how == "Verin / EZKL" else theirs / ours
    print(f"| {name} | {ours:.3f} | {theirs:.3f} | {ratio:.1f}x | {how} |")
print()
print(f"Verin: circuit degree {V['degree']}, verifier data {V['verifier_bytes']} bytes, no trusted setup "
      f"(setup = circuit build, paid again by every cold run). EZKL: logrows {E['setup']['logrows']}, "
      f"proving key {E['setup']['pk_bytes'] / 2**20:.1f} MiB read by every proof, "
      f"setup = local SRS generation + key generation.")
print(f"Load average (1, 5, 15 min) before: {results['load_before']}, after: {results['load_after']}; every sample in {out}")
PY

if [ "${VERIN_BENCH_ZK_SKIP_RUNTIME:-0}" = 1 ]; then
	echo "[bench-zk] VERIN_BENCH_ZK_SKIP_RUNTIME=1: the in-runtime benchmark is skipped"
	exit 0
fi
echo
echo "[bench-zk] the ZK check inside the runtime (wasm)"
cargo bench --profile release --locked -p verin-e2e --bench zk_verify
