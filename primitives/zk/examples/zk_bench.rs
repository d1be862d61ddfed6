//! Verin side of `scripts/bench-zk.sh`: compiles an integer ONNX model, builds its circuit,
//! proves one row and verifies the proof; prints one JSON line with the measurements.
//!
//!   zk_bench MODEL.onnx [ROUNDS]
//!
//! Times are the best of ROUNDS (default 3) proofs and of 10 × ROUNDS verifications; the
//! circuit build (the prover's one-time setup, no trusted setup involved) is reported apart.

use std::time::Instant;

use verin_zk::{circuit::Circuit, compile::compile_onnx, Verifier};

fn main() {
	let mut args = std::env::args().skip(1);
	let path = args.next().expect("usage: zk_bench MODEL.onnx [ROUNDS]");
	let rounds: usize = args.next().map_or(3, |r| r.parse().expect("ROUNDS is a number"));
	let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
	let program = compile_onnx(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));

	let started = Instant::now();
	let circuit = Circuit::build(&program);
	let build_s = started.elapsed().as_secs_f64();
	// Any row in range proves in the same time; this one is also the fuzz target's.
	// (for the digits model, `verin_zk::reference_input()`).
	let input: Vec<i64> = (0..program.input_width as i64).map(|i| (i * 7) % 17).collect();

	let mut prove_s = f64::MAX;
	let mut proven = None;
	for _ in 0..rounds {
		let started = Instant::now();
		let proof = circuit.prove(&input).expect("the row proves");
		prove_s = prove_s.min(started.elapsed().as_secs_f64());
		proven = Some(proof);
	}
	let proven = proven.expect("at least one round");
	// A real proof seeds the fuzz corpus (primitives/zk/fuzz, target verify_proof).
	if let Some(path) = std::env::var_os("VERIN_ZK_PROOF_OUT") {
		std::fs::write(path, &proven.proof).expect("the proof file can be written");
	}
	let verifier_data = circuit.verifier_data();
	let verifier = Verifier::decode(&verifier_data, &circuit.digest()).expect("own verifier data");
	let mut verify_s = f64::MAX;
	for _ in 0..10 * rounds {
		let started = Instant::now();
		verifier.verify(&proven.proof, &input, &proven.output).expect("the proof verifies");
		verify_s = verify_s.min(started.elapsed().as_secs_f64());
	}
	println!(
		"{{\"build_s\": {build_s}, \"prove_s\": {prove_s}, \"verify_s\": {verify_s}, \"proof_bytes\": {}, \"verifier_bytes\": {}, \"degree\": {}}}",
		proven.proof.len(),
		verifier_data.len(),
		circuit.degree()
	);
}
