//! The integer digits CNN (scripts/models/digits-cnn-int8.onnx: ConvInteger with stride 2
//! and padding 1, a per-channel bias, requantization, Flatten, a dense layer) through the
//! ZK pipeline: compiled, evaluated and proven as Python's onnxruntime computed it.

mod common;

use common::{models_dir, reference};
use verin_zk::{circuit::Circuit, compile::compile_onnx, program::Op, Verifier};

#[test]
fn the_cnn_compiles_evaluates_and_proves_like_onnx_runtime() {
	let bytes = std::fs::read(models_dir().join("digits-cnn-int8.onnx")).unwrap();
	let program = compile_onnx(&bytes).expect("the integer CNN compiles");
	assert_eq!(program.input_width, 64, "a [1, 8, 8] image is a row of 64");
	// The convolution is a 64 x 64 matrix (4 filters over a 4x4 output), then the bias.
	assert!(matches!(&program.ops[0], Op::MatMul { outputs: 64, .. }));
	assert!(matches!(&program.ops[1], Op::Add { .. }));

	let (inputs, outputs) = reference("digits-cnn-int8");
	assert_eq!(inputs.len(), 16);
	for (input, output) in inputs.iter().zip(&outputs) {
		assert_eq!(&program.evaluate(input).unwrap(), output, "the program equals onnxruntime");
	}

	let circuit = Circuit::build(&program).unwrap();
	let verifier =
		Verifier::decode(&circuit.verifier_data(), &circuit.digest()).expect("the accepted shape");
	let proven = circuit.prove(&inputs[3]).unwrap();
	assert_eq!(proven.output, outputs[3]);
	verifier.verify(&proven.proof, &inputs[3], &outputs[3]).expect("the proof verifies");
	let mut wrong = outputs[3].clone();
	wrong[0] += 1;
	assert!(
		verifier.verify(&proven.proof, &inputs[3], &wrong).is_err(),
		"another output is rejected"
	);
}

/// The per-channel bias broadcasts over each channel's 4x4 outputs: evaluating the
/// program on a blank image gives the bias pattern after requantization.
#[test]
fn the_bias_broadcasts_per_channel() {
	let bytes = std::fs::read(models_dir().join("digits-cnn-int8.onnx")).unwrap();
	let program = compile_onnx(&bytes).unwrap();
	let Op::Add { constants } = &program.ops[1] else { panic!("the bias follows the convolution") };
	for channel in constants.chunks(16) {
		assert!(channel.iter().all(|c| *c == channel[0]), "one bias per channel: {constants:?}");
	}
	assert!(
		constants.chunks(16).map(|c| c[0]).collect::<std::collections::BTreeSet<_>>().len() > 1
	);
}

/// Variants of the CNN outside the subset are refused with the node and the reason.
#[test]
fn unsupported_convolutions_are_named() {
	use prost::Message;
	use verin_zk::{compile::CompileError, onnx};
	let bytes = std::fs::read(models_dir().join("digits-cnn-int8.onnx")).unwrap();
	let original = onnx::decode(&bytes).unwrap();
	let compile = |edit: &dyn Fn(&mut onnx::GraphProto)| {
		let mut model = original.clone();
		edit(model.graph.as_mut().unwrap());
		compile_onnx(&model.encode_to_vec())
	};
	let reason = |result: Result<verin_zk::program::Program, CompileError>| match result {
		Err(CompileError::UnsupportedUse { reason, .. }) => reason,
		other => panic!("expected an unsupported use, got {other:?}"),
	};

	// Two groups.
	let grouped = compile(&|graph| {
		let group = onnx::AttributeProto { name: "group".into(), i: 2, ..Default::default() };
		graph.node[0].attribute.push(group);
	});
	assert!(reason(grouped).contains("grouped"));

	// The dense layer straight on the [4, 4, 4] feature map, without Flatten.
	let unflattened = compile(&|graph| {
		let flatten = graph.node.iter().position(|n| n.op_type == "Flatten").unwrap();
		let removed = graph.node.remove(flatten);
		graph.node[flatten].input[0] = removed.input[0].clone();
	});
	assert!(reason(unflattened).contains("Flatten it first"));
}
