//! Elementwise chains (`Relu`, `Div` by `2^s`, `Clip`) lowered as one decomposition per
//! value where they have the requantization shape, and one operation at a time where they do
//! not: both must prove exactly what the program evaluates, on every input including the
//! extremes of the input type and values that land on the clamp bounds.

use verin_zk::{
	circuit::Circuit,
	program::{IntegerType, Op, Program},
	Verifier,
};

/// Three int8 inputs into four values that range widely (about ±2^15) and through zero.
fn program(chain: Vec<Op>) -> Program {
	let mut ops = vec![
		Op::MatMul { outputs: 4, weights: vec![127, -3, 1, 0, 100, 5, -128, 2, -90, 64, 7, 1] },
		Op::Add { constants: vec![300, -5, 0, 1 << 10] },
	];
	ops.extend(chain);
	Program { input_width: 3, input_type: IntegerType::I8, output_type: IntegerType::I32, ops }
}

fn rows() -> Vec<Vec<i64>> {
	let mut rows = vec![
		vec![-128, -128, -128],
		vec![127, 127, 127],
		vec![0, 0, 0],
		vec![127, -128, 0],
		vec![-128, 127, 1],
	];
	let mut state = 0x9e37_79b9_7f4a_7c15u64;
	for _ in 0..11 {
		rows.push(
			(0..3)
				.map(|_| {
					state ^= state << 13;
					state ^= state >> 7;
					state ^= state << 17;
					(state % 256) as i64 - 128
				})
				.collect(),
		);
	}
	rows
}

/// Proves every row; each proof verifies and its output is the program's.
fn assert_proves_exactly(chain: Vec<Op>) {
	let program = program(chain.clone());
	let circuit = Circuit::build(&program).unwrap();
	let verifier = Verifier::decode(&circuit.verifier_data(), &circuit.digest())
		.expect("the circuit has the accepted shape");
	let mut distinct = std::collections::BTreeSet::new();
	for row in rows() {
		let expected = program.evaluate(&row).expect("the row fits");
		let proven = circuit.prove(&row).unwrap_or_else(|e| panic!("{chain:?} on {row:?}: {e}"));
		assert_eq!(proven.output, expected, "{chain:?} on {row:?}");
		verifier
			.verify(&proven.proof, &row, &proven.output)
			.unwrap_or_else(|e| panic!("{chain:?} on {row:?}: {e:?}"));
		distinct.extend(expected);
	}
	// Guards the test itself: the rows must exercise more than one outcome of the chain.
	assert!(distinct.len() > 3, "{chain:?} gives too few distinct values: {distinct:?}");
}

#[test]
fn relu_div_clip_to_a_power_of_two_minus_one() {
	assert_proves_exactly(vec![
		Op::Relu,
		Op::DivPow2 { shift: 6 },
		Op::Clip { min: -128, max: 127 },
	]);
}

#[test]
fn relu_then_div() {
	assert_proves_exactly(vec![Op::Relu, Op::DivPow2 { shift: 3 }]);
}

#[test]
fn clip_then_div_then_clip_again() {
	assert_proves_exactly(vec![Op::Relu, Op::Clip { min: 0, max: 1023 }, Op::DivPow2 { shift: 3 }]);
	assert_proves_exactly(vec![
		Op::Relu,
		Op::Clip { min: 0, max: 4095 },
		Op::DivPow2 { shift: 4 },
		Op::Clip { min: -5, max: 63 },
	]);
}

#[test]
fn a_shift_past_the_clamp_bound_leaves_zero_or_small_values() {
	// Clamped to 2^4 − 1, then divided by 2^5: always 0 for the clamped part; the chain still
	// proves (the first two values of each row are 0, the rest vary through Add).
	assert_proves_exactly(vec![
		Op::Relu,
		Op::Clip { min: 0, max: 15 },
		Op::DivPow2 { shift: 5 },
		Op::Add { constants: vec![0, 1, -400, 9] },
	]);
}

#[test]
fn chains_of_other_shapes_fall_back_to_one_operation_at_a_time() {
	// A clamp bound that is not 2^m − 1, a lower bound above zero, and a division of
	// negative values (toward zero) are outside the fused shape.
	assert_proves_exactly(vec![Op::Relu, Op::DivPow2 { shift: 2 }, Op::Clip { min: 0, max: 1000 }]);
	assert_proves_exactly(vec![Op::Relu, Op::DivPow2 { shift: 2 }, Op::Clip { min: 5, max: 127 }]);
	assert_proves_exactly(vec![Op::DivPow2 { shift: 4 }, Op::Clip { min: -100, max: 127 }]);
}

#[test]
fn non_negative_values_skip_the_sign() {
	// After the first Clip every value is in [0, 2^14 − 1]: the rest starts from bits.
	assert_proves_exactly(vec![
		Op::Clip { min: 0, max: (1 << 14) - 1 },
		Op::Add { constants: vec![1, 2, 3, 4] },
		Op::DivPow2 { shift: 2 },
		Op::Clip { min: 0, max: 255 },
	]);
}
