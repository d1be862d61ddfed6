//! `verin-node`: the Verin chain's node binary.

fn main() -> sc_cli::Result<()> {
	verin_node::run()
}
