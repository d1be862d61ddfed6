//! `verin-node`: the Verin chain's node binary.

// sc-cli's error type is large by design (see the library's note).
#![allow(clippy::result_large_err)]

fn main() -> sc_cli::Result<()> {
	verin_node::run()
}
