#!/usr/bin/env bash
# Regenerates a pallet's weights.rs from its benchmarks, run in the real (wasm) runtime.
#   bash scripts/bench-weights.sh                               # every Verin pallet
#   bash scripts/bench-weights.sh pallet_models pallet_inference  # only these
#   bash scripts/bench-weights.sh pallet_balances                 # the runtime's transfers
#
# Builds the runtime with `runtime-benchmarks` and the benchmark runner frame-omni-bencher
# (stable2609's, from crates.io, into ~/.cache/verin/tools; a long build the first time:
# it brings RocksDB and parts of Polkadot); neither is part of the normal build. The numbers
# are only as good as the machine is quiet: run it on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
pallets=("$@")
[ ${#pallets[@]} -gt 0 ] || pallets=(pallet_models pallet_workers pallet_inference pallet_enclaves pallet_balances)
# Verin's pallets get their own weights.rs (trait and implementations); a pallet of the SDK
# the runtime uses (only pallet_balances: the transfer every job is compared with) gets an
# implementation of its trait under runtime/src/weights/.
output_of() {
	case "$1" in
	pallet_balances) echo "runtime/src/weights/$1.rs scripts/bench/runtime-weights.hbs" ;;
	*) echo "pallets/${1#pallet_}/src/weights.rs scripts/bench/weights.hbs" ;;
	esac
}
for pallet in "${pallets[@]}"; do
	[ "$pallet" = pallet_balances ] || [ -d "pallets/${pallet#pallet_}" ] \
		|| { echo "no pallet crate for $pallet" >&2; exit 1; }
done

tools="$HOME/.cache/verin/tools"
if [ ! -x "$tools/bin/frame-omni-bencher" ]; then
	# The runner links RocksDB (through sc-cli), whose bindings need libclang at build time.
	# libclang itself: libclang-cpp, which some images carry alone, is not what bindgen loads.
	if ! ls /usr/lib/llvm-*/lib/libclang.so* /usr/lib/llvm-*/lib/libclang-[0-9]*.so* >/dev/null 2>&1; then
		echo "[bench] installing libclang-dev (Debian)"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libclang-dev >/dev/null
	fi
	echo "[bench] installing frame-omni-bencher 0.28.0 (stable2609) into $tools"
	# Its own target directory, kept: an interrupted install resumes where it stopped.
	cargo install frame-omni-bencher@0.28.0 --locked --root "$tools" --target-dir "$HOME/.cache/verin/tools-target"
fi

echo "[bench] building the runtime with runtime-benchmarks"
cargo build --release --locked -p verin-runtime --features runtime-benchmarks
runtime="$CARGO_TARGET_DIR/release/wbuild/verin-runtime/verin_runtime.compact.compressed.wasm"

# The runtime imports Verin's `verin_inference` host functions, which the runner does not
# provide; no benchmarked call uses them (only the offchain worker does).
for pallet in "${pallets[@]}"; do
	read -r output template <<<"$(output_of "$pallet")"
	mkdir -p "$(dirname "$output")"
	echo "[bench] benchmarking $pallet"
	"$tools/bin/frame-omni-bencher" v1 benchmark pallet \
		--runtime "$runtime" \
		--genesis-builder-preset development \
		--allow-missing-host-functions \
		--pallet "$pallet" --extrinsic '*' \
		--steps 20 --repeat 5 \
		--template "$template" \
		--output "$output"
	echo "[bench] wrote $output"
done

# The benchmark build wrote its wasm where the normal build keeps its own (the same wbuild
# directory): make the next normal build regenerate it, so no node embeds a runtime with
# the benchmarks compiled in.
touch runtime/build.rs
