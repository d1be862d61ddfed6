#!/usr/bin/env bash
# Proves that a project outside the Verin workspace can depend on `verin-sdk` (default
# features) and build on plain stable Rust: a scratch crate in a temporary directory, out of
# reach of the workspace's .cargo/config.toml (which sets RUSTC_BOOTSTRAP for plonky2), built
# with RUSTC_BOOTSTRAP unset; neither verin-zk nor plonky2 may be in its dependency tree. The
# crate uses the SDK's public API (a model's declaration, an input from JSON, the named error
# for the ZK compiler it lacks) and is run once.
#   bash scripts/check-sdk-stable.sh
# The build's target directory persists (VERIN_SDK_STABLE_TARGET, default
# ~/.cache/verin/sdk-stable-target) so later runs, and CI, rebuild only what changed.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
sdk="$root/client/sdk"
model="$root/scripts/models/digits-mlp-int8.onnx"
export CARGO_TARGET_DIR="${VERIN_SDK_STABLE_TARGET:-$HOME/.cache/verin/sdk-stable-target}"
crate="verin-sdk-stable-check"

say() { echo "[check-sdk-stable] $*"; }
fail() {
	echo "[check-sdk-stable] FAIL: $*" >&2
	exit 1
}
# Plain stable cargo: no RUSTC_BOOTSTRAP from the environment either.
stable_cargo() { env -u RUSTC_BOOTSTRAP cargo "$@"; }

scratch="$(mktemp -d "${TMPDIR:-/tmp}/verin-sdk-stable.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
case "$scratch/" in
"$root"/*) fail "the scratch crate $scratch is inside the workspace $root; set TMPDIR elsewhere" ;;
esac

# Cargo reads .cargo/config.toml from the current directory's ancestors and from CARGO_HOME;
# none of them may set RUSTC_BOOTSTRAP for the scratch crate.
configs=("${CARGO_HOME:-$HOME/.cargo}/config.toml" "${CARGO_HOME:-$HOME/.cargo}/config")
dir="$scratch"
while :; do
	configs+=("$dir/.cargo/config.toml" "$dir/.cargo/config")
	[ "$dir" = "/" ] && break
	dir="$(dirname "$dir")"
done
for config in "${configs[@]}"; do
	if [ -f "$config" ] && grep -q RUSTC_BOOTSTRAP "$config"; then
		fail "$config sets RUSTC_BOOTSTRAP, which would apply to the scratch crate"
	fi
done

say "scratch crate $scratch depends on $sdk (default features); target dir $CARGO_TARGET_DIR"
mkdir -p "$scratch/src"
cat >"$scratch/Cargo.toml" <<EOF
[package]
name = "$crate"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
serde_json = "1"
verin-sdk = { path = "$sdk" }

# Its own workspace: nothing above the temporary directory is consulted.
[workspace]
EOF
cat >"$scratch/src/main.rs" <<'EOF'
//! Uses the SDK's public API as an outside project would, without the `zk` feature.

use verin_sdk::{
	exact_amount, format_balance, hex, spec::spec_from_onnx, tensors, zk, Error, Tier, TierSet, ToleranceRule, Verin,
	UNIT,
};

fn main() {
	let path = std::env::args().nth(1).expect("usage: verin-sdk-stable-check MODEL.onnx");
	let bytes = std::fs::read(&path).expect("the model file is readable");

	// The declaration of an integer model offered at the vanilla and zk tiers.
	let tiers: TierSet = [Tier::Vanilla, Tier::Zk].into_iter().collect();
	let spec = spec_from_onnx(&bytes, tiers, ToleranceRule::ArgmaxEqual).expect("the model can be declared");
	let input = &spec.schema.inputs[0];
	println!("input {}: {}", String::from_utf8_lossy(&input.name), tensors::shape_text(input));

	// One row of input from JSON, checked against the schema.
	let row: Vec<i64> = (0..64).map(|i| i % 16).collect();
	let payload = tensors::from_json(&serde_json::json!(row), &spec.schema.inputs).expect("one row fits the schema");
	println!("payload: {} tensor(s)", payload.len());

	// Without the `zk` feature, the compiler is a named error, not a panic.
	assert!(!zk::COMPILER_AVAILABLE);
	match zk::compile_circuit(&bytes) {
		Err(error @ Error::ZkFeatureDisabled(_)) => println!("zk: {error}"),
		Err(other) => panic!("expected Error::ZkFeatureDisabled, got {other}"),
		Ok(_) => panic!("a circuit compiled without the `zk` feature"),
	}

	println!("fee: {} = {} VRN, digest-style {}", format_balance(UNIT / 1000), exact_amount(UNIT / 1000), hex(&[0xab, 0x01]));
	// The client type-checks; no node is contacted.
	let _connect = Verin::connect;
}
EOF

# The workspace's lock file keeps the polkadot-sdk crates at the consistent stable2609 set.
cp "$root/Cargo.lock" "$scratch/Cargo.lock"
cd "$scratch"
if stable_cargo metadata --locked --format-version 1 >/dev/null 2>&1; then
	say "the workspace's Cargo.lock applies as is"
else
	# The scratch crate adds itself and drops the workspace's other packages: let cargo trim
	# the lock, then check it kept every version the workspace pins.
	say "trimming the workspace's Cargo.lock to the scratch crate's dependencies"
	stable_cargo metadata --format-version 1 >/dev/null
fi
packages() { awk '/^\[\[package\]\]/ { name = "" } /^name = / { name = $3 } /^version = / && name != "" { print name "@" $3 }' "$1" | tr -d '"' | sort -u; }
new="$(comm -23 <(packages "$scratch/Cargo.lock") <(packages "$root/Cargo.lock") | grep -v "^$crate@" || true)"
[ -z "$new" ] || fail "the scratch crate resolved versions the workspace does not use:
$new"

tree="$(stable_cargo tree --locked --prefix none -e normal,build)"
grep -q '^verin-sdk v' <<<"$tree" || fail "verin-sdk is missing from the scratch crate's tree:
$tree"
if grep -E '^(verin-zk|plonky2[a-z0-9_-]*) v' <<<"$tree" | sort -u | grep .; then
	fail "the default verin-sdk pulls the ZK compiler (above) into an outside crate"
fi
say "no verin-zk or plonky2 among its $(sort -u <<<"$tree" | wc -l) dependencies"

say "cargo build --locked, RUSTC_BOOTSTRAP unset ($(cargo --version))"
stable_cargo build --locked || fail "an outside crate depending on verin-sdk does not build on plain stable"
"$CARGO_TARGET_DIR/debug/$crate" "$model" || fail "the scratch crate built but did not run as expected"
say "ok: verin-sdk builds and runs on plain stable outside the workspace (${SECONDS}s)"
