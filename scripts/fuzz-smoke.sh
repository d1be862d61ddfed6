#!/usr/bin/env bash
# A short run of every fuzz target (30 s each unless VERIN_FUZZ_SECONDS says otherwise):
# the parsers that take attacker bytes (attestation documents, certificate chains, ZK
# verifier data and proofs) must return errors, never panic. Part of scripts/test.sh; a
# crash fails the run and leaves the input under <crate>/fuzz/artifacts.
#
# Needs a nightly toolchain and cargo-fuzz, both installed here on first use (the nightly
# by rustup, cargo-fuzz into ~/.cache/verin/tools). Builds without a sanitizer: the code is
# safe Rust, and the smoke looks for panics, not memory errors.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

toolchain=nightly-2026-05-19
seconds="${VERIN_FUZZ_SECONDS:-30}"
tools="$HOME/.cache/verin/tools"

if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
	echo "[fuzz] installing $toolchain"
	rustup toolchain install "$toolchain" --profile minimal
fi
if [ ! -x "$tools/bin/cargo-fuzz" ]; then
	echo "[fuzz] installing cargo-fuzz into $tools"
	cargo install cargo-fuzz@0.13.2 --locked --root "$tools" --target-dir "$HOME/.cache/verin/cargo-fuzz-build"
fi
export PATH="$tools/bin:$PATH"
# Its own target directory: the fuzz builds use other flags than the workspace's.
export CARGO_TARGET_DIR="$HOME/.cache/verin/fuzz-target"

run() {
	local crate="$1" target="$2" log status=0
	log="$(mktemp)"
	echo "[fuzz] $crate: $target for ${seconds}s"
	(cd "$crate/fuzz" && cargo "+$toolchain" fuzz run --sanitizer none "$target" -- \
		-max_total_time="$seconds" -print_final_stats=1) >"$log" 2>&1 || status=$?
	grep -E "^Done|stat::number_of_executed_units" "$log" || true
	if [ "$status" -ne 0 ]; then
		tail -n 60 "$log"
		echo "[fuzz] $target failed (exit $status); a crashing input is under $crate/fuzz/artifacts/$target" >&2
	fi
	rm -f "$log"
	return "$status"
}

(cd primitives/attestation/fuzz && bash seed-corpus.sh)
run primitives/attestation verify_document
run primitives/attestation verify_chain
run primitives/zk decode_verifier_data
run primitives/zk verify_proof
echo "[fuzz] every target ran ${seconds}s without a crash"
