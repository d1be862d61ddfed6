//! `verin zk compile`, offline: the digest it prints and the verifier data it writes are the
//! compiler's own (what the registry records and `models.register_circuit` takes), and a
//! model outside the integer-exact subset is refused by name with a non-zero exit.

use std::{
	path::Path,
	process::{Child, Command, Stdio},
};

use verin_testing::{reference::models_dir, TempDir};
use verin_zk::{circuit::Circuit, compile::compile_onnx};

/// Starts `verin ARGS` with a `--url` where no node answers: `zk compile` must not need one.
fn start(args: &[&str]) -> (String, Child) {
	let child = Command::new(env!("CARGO_BIN_EXE_verin"))
		.args(["--url", "ws://127.0.0.1:1"])
		.args(args)
		.stdout(Stdio::piped())
		.stderr(Stdio::piped())
		.spawn()
		.expect("the verin binary runs");
	(args.join(" "), child)
}

/// Waits for a started `verin`; returns (success, stdout, stderr).
fn finish((args, child): (String, Child)) -> (bool, String, String) {
	let output = child.wait_with_output().expect("the verin binary runs");
	let (stdout, stderr) = (
		String::from_utf8_lossy(&output.stdout).into_owned(),
		String::from_utf8_lossy(&output.stderr).into_owned(),
	);
	eprintln!("$ verin {args}\n{stdout}{stderr}");
	(output.status.success(), stdout, stderr)
}

fn verin(args: &[&str]) -> (bool, String, String) {
	finish(start(args))
}

/// The line of `text` starting with `prefix`, without it.
fn field<'a>(text: &'a str, prefix: &str) -> &'a str {
	text.lines()
		.find_map(|line| line.strip_prefix(prefix))
		.unwrap_or_else(|| panic!("no `{prefix}` line in:\n{text}"))
		.trim()
}

fn path(path: &Path) -> &str {
	path.to_str().expect("test paths are UTF-8")
}

#[test]
fn the_printed_digest_and_written_verifier_data_are_the_compilers() {
	let dir = TempDir::new("verin-zk-compile");
	let model = models_dir().join("digits-mlp-int8.onnx");
	// --out names the file; without it the verifier data goes next to the model, with the
	// `.circuit` extension. Both run while the test builds the circuit itself (a circuit
	// takes a while to build in the debug profile).
	let out = dir.path().join("digits.vd");
	let named = start(&["zk", "compile", path(&model), "--out", path(&out)]);
	let copy = dir.path().join("mlp.onnx");
	std::fs::copy(&model, &copy).unwrap();
	let beside = start(&["zk", "compile", path(&copy)]);

	let program =
		compile_onnx(&std::fs::read(&model).unwrap()).expect("the integer digits model compiles");
	let circuit = Circuit::build(&program).unwrap();
	let digest: String = circuit.digest().iter().map(|byte| format!("{byte:02x}")).collect();
	let data = circuit.verifier_data();

	let (ok, printed, stderr) = finish(named);
	assert!(ok, "zk compile fails: {stderr}");
	assert_eq!(field(&printed, "digest:"), format!("0x{digest}"));
	assert_eq!(
		field(&printed, "rows:"),
		format!(
			"{} ({} inputs, {} outputs)",
			circuit.degree(),
			program.input_width,
			program.output_width()
		)
	);
	assert_eq!(
		field(&printed, "verifier data:"),
		format!("{} bytes in {}", data.len(), out.display())
	);
	assert!(
		std::fs::read(&out).unwrap() == data,
		"the written file is the compiler's verifier data"
	);

	let (ok, printed, stderr) = finish(beside);
	assert!(ok, "zk compile fails: {stderr}");
	assert_eq!(field(&printed, "digest:"), format!("0x{digest}"), "the circuit is deterministic");
	let circuit_file = dir.path().join("mlp.circuit");
	assert_eq!(
		field(&printed, "verifier data:"),
		format!("{} bytes in {}", data.len(), circuit_file.display())
	);
	assert!(std::fs::read(&circuit_file).unwrap() == data);
}

#[test]
fn a_float_model_is_refused_by_name() {
	let dir = TempDir::new("verin-zk-compile-float");
	let model = models_dir().join("digits-mlp-f32.onnx");
	let out = dir.path().join("float.circuit");
	let (ok, printed, stderr) = verin(&["zk", "compile", path(&model), "--out", path(&out)]);
	assert!(!ok, "a float model compiles: {printed}");
	assert!(
		stderr.contains(
			"digits-mlp-f32.onnx: the model cannot be proven in ZK: unsupported graph input"
		) && stderr.contains("is not an 8-to-32-bit integer tensor"),
		"the message names the problem: {stderr}"
	);
	assert!(!out.exists(), "nothing is written for a model that does not compile");

	let (ok, _, stderr) = verin(&["zk", "compile", path(&dir.path().join("missing.onnx"))]);
	assert!(!ok && stderr.contains("missing.onnx"), "a missing file is named: {stderr}");
}
