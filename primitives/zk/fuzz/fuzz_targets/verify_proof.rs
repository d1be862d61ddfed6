//! Arbitrary bytes as a proof of the integer digits model's circuit: verification returns
//! an error and never panics (in the runtime a panic would fail the whole block).
//!
//!   cd primitives/zk/fuzz && RUSTC_BOOTSTRAP=plonky2_field,plonky2 cargo +nightly fuzz run verify_proof
//!
//! Seed the corpus with a real proof of the same row so the fuzzer mutates inside the
//! proof's structure:
//!   VERIN_ZK_PROOF_OUT=primitives/zk/fuzz/corpus/verify_proof/seed \
//!     target/release/examples/zk_bench scripts/models/digits-mlp-int8.onnx 1
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use verin_zk::{circuit::Circuit, compile::compile_onnx, Verifier};

struct Fixture {
	verifier: Verifier,
	input: Vec<i64>,
	output: Vec<i64>,
}

fn fixture() -> &'static Fixture {
	static FIXTURE: OnceLock<Fixture> = OnceLock::new();
	FIXTURE.get_or_init(|| {
		let model = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../scripts/models/digits-mlp-int8.onnx");
		let program = compile_onnx(&std::fs::read(model).unwrap()).unwrap();
		let circuit = Circuit::build(&program).unwrap();
		let input: Vec<i64> = (0..64).map(|i| (i * 7) % 17).collect();
		let output = program.evaluate(&input).unwrap();
		let verifier = Verifier::decode(&circuit.verifier_data(), &circuit.digest()).unwrap();
		Fixture { verifier, input, output }
	})
}

fuzz_target!(|proof: &[u8]| {
	let fixture = fixture();
	let _ = fixture.verifier.verify(proof, &fixture.input, &fixture.output);
});
