//! Verin side of `scripts/bench-zk.sh`: proves one row of an integer ONNX model and prints
//! one JSON line with the measurements (times in seconds, sizes in bytes).
//!
//!   zk_bench cold MODEL.onnx              one cold proof: compile, build the circuit, prove
//!   zk_bench warm MODEL.onnx [SAMPLES]    build once, then SAMPLES proofs (default 5)
//!   zk_bench verify MODEL.onnx [SAMPLES]  SAMPLES verifications of one proof (default 5)
//!   zk_bench MODEL.onnx [SAMPLES]         same as `warm`
//!
//! Cold is what a worker pays when it starts with no circuit: plonky2's circuit data holds
//! its witness generators, which do not serialize without a generator registry of their own,
//! so a fresh process rebuilds the circuit from the ONNX file instead of loading it. The
//! driver runs `cold` once per sample, each in its own process, and reads its peak memory.
//! `warm` and `verify` do one unrecorded round first, so that what they record excludes
//! one-time costs (thread pool start, first page faults) a long-running worker pays once.
//!
//! `VERIN_ZK_PROOF_OUT=FILE` writes the last proof to FILE (the fuzz corpus's seed,
//! primitives/zk/fuzz).

use std::time::Instant;

use verin_zk::{
	circuit::{Circuit, Proven},
	compile::compile_onnx,
	program::Program,
	Verifier,
};

fn main() {
	let started = Instant::now();
	let mut args: Vec<String> = std::env::args().skip(1).collect();
	let mode = match args.first().map(String::as_str) {
		Some("cold" | "warm" | "verify") => args.remove(0),
		_ => "warm".into(),
	};
	let mut args = args.into_iter();
	let path = args.next().expect("usage: zk_bench [cold|warm|verify] MODEL.onnx [SAMPLES]");
	let samples: usize = args.next().map_or(5, |s| s.parse().expect("SAMPLES is a number"));
	assert!(samples > 0, "at least one sample");

	let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
	let program = compile_onnx(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
	let load_s = started.elapsed().as_secs_f64();
	let build_started = Instant::now();
	let circuit = Circuit::build(&program).unwrap_or_else(|e| panic!("{path}: {e}"));
	let build_s = build_started.elapsed().as_secs_f64();
	let input = bench_input(&program);
	let prove = || -> (Proven, f64) {
		let started = Instant::now();
		let proven = circuit.prove(&input).expect("the row proves");
		(proven, started.elapsed().as_secs_f64())
	};

	let sizes = |proven: &Proven| {
		format!(
			"\"proof_bytes\": {}, \"verifier_bytes\": {}, \"degree\": {}",
			proven.proof.len(),
			circuit.verifier_data().len(),
			circuit.degree()
		)
	};
	match mode.as_str() {
		"cold" => {
			let (proven, prove_s) = prove();
			let total_s = started.elapsed().as_secs_f64();
			write_proof(&proven);
			println!(
				"{{\"load_s\": {load_s}, \"build_s\": {build_s}, \"prove_s\": {prove_s}, \"total_s\": {total_s}, {}}}",
				sizes(&proven)
			);
		},
		"warm" => {
			let (mut proven, _) = prove();
			let mut prove_s = Vec::with_capacity(samples);
			for _ in 0..samples {
				let (next, seconds) = prove();
				prove_s.push(seconds);
				proven = next;
			}
			write_proof(&proven);
			println!(
				"{{\"build_s\": {build_s}, \"prove_s\": {}, {}}}",
				json_list(&prove_s),
				sizes(&proven)
			);
		},
		_ => {
			let (proven, _) = prove();
			write_proof(&proven);
			let verifier_data = circuit.verifier_data();
			let digest = circuit.digest();
			// From the serialized verifier data each time, as EZKL's verifier reads its key:
			// the runtime too decodes the registered bytes before it checks a proof.
			let verify = || {
				let started = Instant::now();
				Verifier::decode(&verifier_data, &digest)
					.expect("own verifier data")
					.verify(&proven.proof, &input, &proven.output)
					.expect("the proof verifies");
				started.elapsed().as_secs_f64()
			};
			verify();
			let verify_s: Vec<f64> = (0..samples).map(|_| verify()).collect();
			println!("{{\"verify_s\": {}, {}}}", json_list(&verify_s), sizes(&proven));
		},
	}
}

/// The row both sides of the comparison prove (EZKL's script writes the same one, scaled to
/// its float model): pixel `i` is `(7·i) mod 17`, which is also `verin_zk::reference_input()`
/// and the fuzz target's row, so the proof this writes seeds that corpus.
fn bench_input(program: &Program) -> Vec<i64> {
	(0..program.input_width as i64).map(|i| (i * 7) % 17).collect()
}

fn write_proof(proven: &Proven) {
	if let Some(path) = std::env::var_os("VERIN_ZK_PROOF_OUT") {
		std::fs::write(path, &proven.proof).expect("the proof file can be written");
	}
}

fn json_list(values: &[f64]) -> String {
	let items: Vec<String> = values.iter().map(f64::to_string).collect();
	format!("[{}]", items.join(", "))
}
