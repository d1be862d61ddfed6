//! The ZK tier's circuit computes what ONNX Runtime computes: on the integer digits MLP and
//! CNN, for many inputs over the whole int8 range, the compiled program's output equals the
//! engine's (ONNX Runtime 1.31) bit for bit, and proofs carry that same output.

use std::path::PathBuf;

use verin_primitives::{
	model::content_id_of,
	tensor::{TensorData, TensorPayload},
};
use verin_testing::reference::models_dir;
use verin_worker::{EngineConfig, OrtEngine};
use verin_zk::{circuit::Circuit, compile::compile_onnx, Verifier};

const ROWS: usize = 256;
const PROVEN_ROWS: usize = 3;

/// A small deterministic generator (xorshift): the test needs varied rows, not secrecy.
fn rows(count: usize, width: usize) -> Vec<Vec<i64>> {
	let mut state = 0x9e37_79b9_7f4a_7c15u64;
	(0..count)
		.map(|_| {
			(0..width)
				.map(|_| {
					state ^= state << 13;
					state ^= state >> 7;
					state ^= state << 17;
					(state % 256) as i64 - 128
				})
				.collect()
		})
		.collect()
}

#[test]
fn the_mlp_circuit_equals_onnx_runtime_on_many_inputs() {
	assert_matches_ort("digits-mlp-int8.onnx", &[64], 10);
}

#[test]
fn the_cnn_circuit_equals_onnx_runtime_on_many_inputs() {
	assert_matches_ort("digits-cnn-int8.onnx", &[1, 8, 8], 10);
}

/// `ROWS` random int8 rows of the model's input `row_shape` through ONNX Runtime (one
/// batch) and through the compiled program; then a few proofs.
fn assert_matches_ort(model: &str, row_shape: &[u32], outputs: usize) {
	let width: u32 = row_shape.iter().product();
	let library = PathBuf::from(std::env::var("VERIN_ORT_LIBRARY").expect("source scripts/env.sh"));
	let engine =
		OrtEngine::new(EngineConfig { cache_capacity: 1, ..EngineConfig::new(library) }, None)
			.unwrap();
	let bytes = std::fs::read(models_dir().join(model)).unwrap();
	let id = engine.add_model(bytes.clone());
	assert_eq!(id, content_id_of(&bytes));
	let program = compile_onnx(&bytes).expect("the model compiles");

	let inputs = rows(ROWS, width as usize);
	// One batch through ONNX Runtime.
	let payload: TensorPayload = vec![TensorData {
		shape: [ROWS as u32]
			.iter()
			.chain(row_shape)
			.copied()
			.collect::<Vec<_>>()
			.try_into()
			.unwrap(),
		data: inputs
			.iter()
			.flatten()
			.map(|v| *v as i8 as u8)
			.collect::<Vec<_>>()
			.try_into()
			.unwrap(),
	}]
	.try_into()
	.unwrap();
	let output = engine.run(id, &payload).expect("ONNX Runtime runs the model");
	let ort_rows: Vec<Vec<i64>> = output[0]
		.data
		.chunks_exact(4)
		.map(|c| i32::from_le_bytes(c.try_into().unwrap()) as i64)
		.collect::<Vec<_>>()
		.chunks(outputs)
		.map(|row| row.to_vec())
		.collect();
	assert_eq!(ort_rows.len(), ROWS);

	let mut differing = 0;
	for (input, expected) in inputs.iter().zip(&ort_rows) {
		if program.evaluate(input).unwrap() != *expected {
			differing += 1;
		}
	}
	assert_eq!(differing, 0, "{differing} of {ROWS} rows differ from ONNX Runtime");
	// The sample covers negative scores too, not only the easy half.
	assert!(ort_rows.iter().flatten().any(|v| *v < 0));

	let circuit = Circuit::build(&program).unwrap();
	let verifier = Verifier::decode(&circuit.verifier_data(), &circuit.digest()).unwrap();
	for (input, expected) in inputs.iter().zip(&ort_rows).take(PROVEN_ROWS) {
		let proven = circuit.prove(input).expect("the row proves");
		assert_eq!(&proven.output, expected, "the proven output is ONNX Runtime's");
		verifier.verify(&proven.proof, input, expected).expect("and the proof verifies");
	}
}
