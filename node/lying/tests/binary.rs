//! The lying node is the node's command line: it starts, names itself as the node does, and
//! lists the node's subcommands. (Its dishonest engine is exercised by the optimistic tier's
//! end-to-end test in `node/tests/optimistic.rs`, which runs this binary.)

#[test]
fn the_lying_node_runs_the_nodes_command_line() {
	let output = std::process::Command::new(env!("CARGO_BIN_EXE_verin-node-lying"))
		.arg("--help")
		.output()
		.expect("the lying node starts");
	assert!(output.status.success(), "{output:?}");
	let help = String::from_utf8_lossy(&output.stdout);
	assert!(help.contains("--worker"), "{help}");
	assert!(help.contains("export-chain-spec"), "{help}");
}
