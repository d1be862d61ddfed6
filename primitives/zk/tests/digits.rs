//! The integer digits model (scripts/models/digits-mlp-int8.onnx) through the ZK pipeline:
//! compiled, evaluated and proven bit-exactly as Python's onnxruntime computed it, and every
//! tampering with the proof, its rows or the circuit rejected.

mod common;

use std::{path::PathBuf, sync::OnceLock};

use common::models_dir;

use prost::Message;
use verin_zk::{
	circuit::Circuit,
	compile::{compile_onnx, CompileError},
	onnx,
	program::{IntegerType, Op, Program},
	Verifier, VerifyError,
};

fn model_bytes() -> Vec<u8> {
	std::fs::read(models_dir().join("digits-mlp-int8.onnx")).expect("the example model exists")
}

fn reference() -> (Vec<Vec<i64>>, Vec<Vec<i64>>) {
	common::reference("digits-mlp-int8")
}

fn program() -> Program {
	compile_onnx(&model_bytes()).expect("the integer digits model compiles")
}

/// Building a circuit takes a second; the tests share one.
fn circuit() -> &'static Circuit {
	static CIRCUIT: OnceLock<Circuit> = OnceLock::new();
	CIRCUIT.get_or_init(|| Circuit::build(&program()).unwrap())
}

#[test]
fn the_model_compiles_to_its_layers() {
	let program = program();
	assert_eq!(program.input_width, 64);
	assert_eq!(program.input_type, IntegerType::I8);
	assert_eq!(program.output_type, IntegerType::I32);
	let shapes: Vec<String> = program
		.ops
		.iter()
		.map(|op| match op {
			Op::MatMul { outputs, weights } => {
				format!("MatMul {}x{outputs}", weights.len() / *outputs as usize)
			},
			Op::Add { constants } => format!("Add {}", constants.len()),
			Op::Relu => "Relu".into(),
			Op::DivPow2 { shift } => format!("Div 2^{shift}"),
			Op::Clip { min, max } => format!("Clip {min}..{max}"),
		})
		.collect();
	assert_eq!(
		shapes,
		["MatMul 64x32", "Add 32", "Relu", "Div 2^7", "Clip -128..127", "MatMul 32x10", "Add 10"]
	);
	assert_eq!(program.output_width(), 10);
}

#[test]
fn evaluation_equals_python_onnxruntime_bit_for_bit() {
	let program = program();
	let (inputs, outputs) = reference();
	assert!(inputs.len() >= 16);
	for (input, expected) in inputs.iter().zip(&outputs) {
		assert_eq!(&program.evaluate(input).unwrap(), expected);
	}
}

#[test]
fn proofs_carry_the_onnxruntime_output_and_verify() {
	let circuit = circuit();
	let verifier = Verifier::decode(&circuit.verifier_data(), &circuit.digest())
		.expect("own verifier data decodes");
	let (inputs, outputs) = reference();
	for (input, expected) in inputs.iter().zip(&outputs).take(4) {
		let proven = circuit.prove(input).expect("an honest row proves");
		assert_eq!(&proven.output, expected);
		assert_eq!(verifier.verify(&proven.proof, input, expected), Ok(()));
	}
}

#[test]
fn compilation_is_deterministic() {
	let again = Circuit::build(&program()).unwrap();
	assert_eq!(again.digest(), circuit().digest());
	assert_eq!(again.verifier_data(), circuit().verifier_data());
}

#[test]
fn tampered_rows_proofs_and_circuits_are_rejected() {
	let circuit = circuit();
	let verifier = Verifier::decode(&circuit.verifier_data(), &circuit.digest()).unwrap();
	let (inputs, outputs) = reference();
	let (input, output) = (&inputs[0], &outputs[0]);
	let proof = circuit.prove(input).unwrap().proof;

	let mut other_output = output.clone();
	other_output[3] += 1;
	assert_eq!(
		verifier.verify(&proof, input, &other_output),
		Err(VerifyError::PublicInputsMismatch)
	);
	let mut other_input = input.clone();
	other_input[10] ^= 1;
	assert_eq!(
		verifier.verify(&proof, &other_input, output),
		Err(VerifyError::PublicInputsMismatch)
	);

	// Flipping bytes anywhere in the proof: it no longer decodes or no longer verifies.
	for position in [0, 8, proof.len() / 3, proof.len() / 2, proof.len() - 9] {
		let mut bad = proof.clone();
		bad[position] ^= 0x01;
		let result = verifier.verify(&bad, input, output);
		assert!(result.is_err(), "a proof with byte {position} flipped was accepted");
	}
	for truncated in [0, 1, 100, proof.len() / 2, proof.len() - 1] {
		assert_eq!(
			verifier.verify(&proof[..truncated], input, output),
			Err(VerifyError::MalformedProof)
		);
	}

	// Another model (one weight changed) has another circuit: its proofs fail here, and
	// this circuit's verifier data does not pass for its digest.
	let mut program = program();
	if let Op::MatMul { weights, .. } = &mut program.ops[0] {
		weights[5] += 1;
	}
	let other = Circuit::build(&program).unwrap();
	assert_ne!(other.digest(), circuit.digest());
	let forged = other.prove(input).unwrap();
	assert!(
		verifier.verify(&forged.proof, input, &forged.output).is_err(),
		"another circuit's proof was accepted"
	);
	assert!(matches!(
		Verifier::decode(&circuit.verifier_data(), &other.digest()),
		Err(VerifyError::DigestMismatch)
	));
	assert!(matches!(
		Verifier::decode(&[1, 2, 3], &circuit.digest()),
		Err(VerifyError::MalformedVerifierData)
	));
}

#[test]
fn operators_outside_the_subset_are_named() {
	let mut model = onnx::decode(&model_bytes()).unwrap();
	let graph = model.graph.as_mut().unwrap();
	graph.node[2].op_type = "Softmax".into();
	let name = graph.node[2].name.clone();
	let node = if name.is_empty() { graph.node[2].output[0].clone() } else { name };
	assert_eq!(
		compile_onnx(&model.encode_to_vec()),
		Err(CompileError::UnsupportedOperator { op: "Softmax".into(), node })
	);

	let float_model = std::fs::read(models_dir().join("digits-mlp-f32.onnx")).unwrap();
	assert!(matches!(compile_onnx(&float_model), Err(CompileError::UnsupportedInput(_))));
	assert!(matches!(compile_onnx(b"not a model"), Err(CompileError::NotOnnx(_))));
}

#[test]
fn a_cast_that_could_lose_values_is_refused() {
	let mut model = onnx::decode(&model_bytes()).unwrap();
	let graph = model.graph.as_mut().unwrap();
	// Drop the Clip: the Cast to int8 can then see values up to 2^20 / 256.
	let clip = graph.node.iter().position(|n| n.op_type == "Clip").unwrap();
	let clip_input = graph.node[clip].input[0].clone();
	let cast = clip + 1;
	graph.node[cast].input[0] = clip_input;
	graph.node.remove(clip);
	assert!(matches!(compile_onnx(&model.encode_to_vec()), Err(CompileError::LossyCast(_))));
}

/// Seeded corruptions of valid bytes: a flipped bit, an overwritten word, or (as `tail`
/// says) a tail set to 0xff or cut off.
struct Corruptions {
	state: u64,
	tail: Tail,
}

#[derive(Clone, Copy)]
enum Tail {
	Filled,
	Cut,
}

impl Corruptions {
	fn next(&mut self) -> u64 {
		self.state ^= self.state << 13;
		self.state ^= self.state >> 7;
		self.state ^= self.state << 17;
		self.state
	}

	fn corrupt(&mut self, original: &[u8], case: usize) -> Vec<u8> {
		let mut bad = original.to_vec();
		let at = self.next() as usize % bad.len();
		match (case % 3, self.tail) {
			(0, _) => bad[at] ^= 1 << (self.next() % 8),
			(1, _) => {
				let value = self.next().to_le_bytes();
				let end = (at + 8).min(bad.len());
				bad[at..end].copy_from_slice(&value[..end - at]);
			},
			(_, Tail::Filled) => bad[at..].iter_mut().for_each(|b| *b = 0xff),
			(_, Tail::Cut) => bad.truncate(at),
		}
		bad
	}
}

/// Runs `check` on `cases` corruptions of `original`; returns the cases that panicked.
fn panicking_cases(
	original: &[u8],
	cases: usize,
	tail: Tail,
	check: impl Fn(usize, &[u8]),
) -> Vec<usize> {
	let mut corruptions = Corruptions { state: 0x2545_f491_4f6c_dd1d, tail };
	(0..cases)
		.filter(|case| {
			let bad = corruptions.corrupt(original, *case);
			std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(*case, &bad))).is_err()
		})
		.collect()
}

/// Many random corruptions of a valid proof: each is rejected with an error, none panics
/// (in the runtime a panic would abort the block instead of failing one extrinsic).
#[test]
fn corrupted_proofs_are_rejected_without_panicking() {
	let circuit = circuit();
	let verifier = Verifier::decode(&circuit.verifier_data(), &circuit.digest()).unwrap();
	let (inputs, outputs) = reference();
	let proof = circuit.prove(&inputs[1]).unwrap().proof;
	let accepted = std::sync::Mutex::new(Vec::new());
	let panics = panicking_cases(&proof, 1500, Tail::Filled, |case, bad| {
		// A tail filled with 0xff over bytes that already are 0xff changes nothing.
		if bad != proof.as_slice() && verifier.verify(bad, &inputs[1], &outputs[1]).is_ok() {
			accepted.lock().unwrap().push(case);
		}
	});
	assert!(panics.is_empty(), "verification panicked on corruption cases {panics:?}");
	assert!(
		accepted.lock().unwrap().is_empty(),
		"corruptions accepted: {:?}",
		accepted.lock().unwrap()
	);
}

/// Random corruptions of valid verifier data (what an owner registers): decoding fails or
/// yields data with another digest, and never panics (nor aborts on a huge allocation).
#[test]
fn corrupted_verifier_data_never_panics() {
	let data = circuit().verifier_data();
	let digest = circuit().digest();
	let same_digest = std::sync::Mutex::new(Vec::new());
	let panics = panicking_cases(&data, 3000, Tail::Cut, |case, bad| {
		if Verifier::from_bytes(bad).is_ok_and(|verifier| verifier.digest() == digest) {
			same_digest.lock().unwrap().push(case);
		}
	});
	assert!(
		panics.is_empty(),
		"decoding panicked on {} of 3000 corruptions: {:?}",
		panics.len(),
		&panics[..panics.len().min(20)]
	);
	assert!(same_digest.lock().unwrap().is_empty(), "other bytes with the same digest");
}

/// Every circuit shares the reference common data up to its size and public-input count;
/// the verifier compares against the committed copy. Regenerate it after a compiler or
/// plonky2 change with `VERIN_ZK_WRITE_REFERENCE=1 cargo test -p verin-zk reference`.
/// The runtime's benchmarks register the reference verifier data, kept current the same way.
#[test]
fn the_reference_common_data_is_the_compilers() {
	let common = circuit().common_data();
	let verifier_data = circuit().verifier_data();
	if std::env::var_os("VERIN_ZK_WRITE_REFERENCE").is_some() {
		let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
		std::fs::write(src.join("reference_common.bin"), &common).unwrap();
		std::fs::write(src.join("reference_verifier.bin"), &verifier_data).unwrap();
		let proven = circuit().prove(&verin_zk::reference_input()).unwrap();
		std::fs::write(src.join("reference_proof.bin"), &proven.proof).unwrap();
	}
	let reference = verin_zk::reference_proof().expect("regenerate src/reference_proof.bin");
	assert_eq!(reference.output, program().evaluate(&reference.input).unwrap());
	let verifier =
		Verifier::decode(verin_zk::reference_verifier_data(), &circuit().digest()).unwrap();
	verifier
		.verify(reference.proof, &reference.input, &reference.output)
		.expect("regenerate src/reference_proof.bin");
	assert_eq!(
		common,
		verin_zk::decode_reference_common_bytes(),
		"regenerate src/reference_common.bin"
	);
	assert_eq!(
		verifier_data,
		verin_zk::reference_verifier_data(),
		"regenerate src/reference_verifier.bin"
	);
}

/// A model of another shape (one layer, no Relu) has a circuit the verifier accepts too:
/// the compiler always emits the same gate set.
#[test]
fn circuits_of_other_models_have_the_accepted_shape() {
	let program = Program {
		input_width: 3,
		input_type: IntegerType::I8,
		output_type: IntegerType::I32,
		ops: vec![
			Op::MatMul { outputs: 2, weights: vec![1, -2, 3, 4, 5, -6] },
			Op::Add { constants: vec![7, -7] },
		],
	};
	let small = Circuit::build(&program).unwrap();
	let verifier = Verifier::decode(&small.verifier_data(), &small.digest())
		.expect("the small circuit's data is accepted");
	let proven = small.prove(&[1, -1, 2]).unwrap();
	// Row [1, -1, 2] times the columns of [[1, -2], [3, 4], [5, -6]], plus [7, -7].
	assert_eq!(proven.output, vec![1 - 3 + 10 + 7, -2 - 4 - 12 - 7]);
	verifier.verify(&proven.proof, &[1, -1, 2], &proven.output).unwrap();
}

/// Verifier data of a circuit with plonky2's standard (not Verin's) configuration decodes
/// with plonky2 but is refused: a registered circuit cannot choose its own security level.
#[test]
fn verifier_data_with_another_configuration_is_refused() {
	use plonky2::plonk::{circuit_builder::CircuitBuilder, circuit_data::CircuitConfig};
	let mut builder = CircuitBuilder::<verin_zk::F, { verin_zk::D }>::new(
		CircuitConfig::standard_recursion_config(),
	);
	let x = builder.add_virtual_public_input();
	let y = builder.mul(x, x);
	builder.register_public_input(y);
	let shape = verin_zk::RowShape {
		input_type: IntegerType::I32,
		input_width: 1,
		output_type: IntegerType::I32,
		output_width: 1,
	};
	let mut data = shape.encode().to_vec();
	data.extend(
		builder.build::<verin_zk::C>().verifier_data().to_bytes(&verin_zk::VerinGates).unwrap(),
	);
	assert!(matches!(Verifier::from_bytes(&data), Err(VerifyError::MalformedVerifierData)));
}
