//! The ZK tier as an adversarial model owner or requester would try it, each test named
//! after its attack: models whose bytes say one thing to ONNX Runtime and another to the
//! compiler, narrow-type overflows that make an honest proof impossible, rows read by a type
//! other than the circuit's, and models too large to build.

use prost::Message;
use verin_zk::{
	circuit::{estimated_rows, BuildError, Circuit, MAX_ROWS},
	compile::{compile_onnx, CompileError},
	onnx::{self, data_type, TensorError},
	program::{IntegerType, Op, Program},
	RowShape, Verifier, VerifyError,
};

fn value_info(name: &str, elem_type: i32, dims: &[i64]) -> onnx::ValueInfoProto {
	onnx::ValueInfoProto {
		name: name.into(),
		r#type: Some(onnx::TypeProto {
			tensor_type: Some(onnx::TypeProtoTensor {
				elem_type,
				shape: Some(onnx::TensorShapeProto {
					dim: dims
						.iter()
						.map(|d| onnx::Dimension { dim_value: Some(*d), dim_param: None })
						.collect(),
				}),
			}),
		}),
	}
}

fn node(op: &str, inputs: &[&str], output: &str) -> onnx::NodeProto {
	onnx::NodeProto {
		input: inputs.iter().map(|i| i.to_string()).collect(),
		output: vec![output.into()],
		name: output.into(),
		op_type: op.into(),
		..Default::default()
	}
}

/// A one-node model `y = op(x, w)` on an input `[1, width]` of `input_type`.
fn one_node_model(
	op: &str,
	input_type: i32,
	width: i64,
	weight: onnx::TensorProto,
	output_type: i32,
	output_width: i64,
) -> Vec<u8> {
	onnx::ModelProto {
		ir_version: 8,
		opset_import: vec![onnx::OperatorSetIdProto { domain: String::new(), version: 13 }],
		graph: Some(onnx::GraphProto {
			node: vec![node(op, &["x", &weight.name.clone()], "y")],
			initializer: vec![weight],
			input: vec![value_info("x", input_type, &[1, width])],
			output: vec![value_info("y", output_type, &[1, output_width])],
		}),
	}
	.encode_to_vec()
}

fn tensor(name: &str, data_type: i32, dims: &[i64]) -> onnx::TensorProto {
	onnx::TensorProto { name: name.into(), data_type, dims: dims.to_vec(), ..Default::default() }
}

/// An int8 weight written as 1000 in `int32_data` runs as -24 in ONNX Runtime (it narrows
/// each entry). A compiler that read 1000 would prove another function than the one the
/// model runs, and an auditor who recompiled would get the same digest: a backdoor no audit
/// sees.
#[test]
fn an_int8_weight_stored_as_1000_in_int32_data_compiles_as_onnx_runtime_runs_it() {
	let mut weight = tensor("w", data_type::INT8, &[2, 1]);
	weight.int32_data = vec![1000, 1];
	let model = one_node_model("MatMulInteger", data_type::INT8, 2, weight, data_type::INT32, 1);
	let program = compile_onnx(&model).expect("the model compiles");
	assert_eq!(program.ops, vec![Op::MatMul { outputs: 1, weights: vec![-24, 1] }]);
	assert_eq!(program.evaluate(&[1, 1]).unwrap(), vec![-23]);
}

/// `raw_data` longer than the dims need: ONNX Runtime refuses the tensor, so the compiler
/// must not prove a function of its prefix.
#[test]
fn a_constant_with_trailing_raw_bytes_is_refused() {
	let mut bias = tensor("b", data_type::INT32, &[1]);
	bias.raw_data = vec![7, 0, 0, 0, 9];
	let model = one_node_model("Add", data_type::INT8, 1, bias, data_type::INT32, 1);
	assert_eq!(
		compile_onnx(&model),
		Err(CompileError::UnreadableTensor {
			tensor: "b".into(),
			error: TensorError::RawDataLength { expected: 4, actual: 5 },
		})
	);
}

/// A weight in an external file: the model's bytes (what its content id covers) do not
/// hold it, so it is refused by name.
#[test]
fn a_weight_in_external_data_is_refused() {
	let mut weight = tensor("w", data_type::INT8, &[2, 1]);
	weight.data_location = onnx::DATA_LOCATION_EXTERNAL;
	let model = one_node_model("MatMulInteger", data_type::INT8, 2, weight, data_type::INT32, 1);
	assert_eq!(
		compile_onnx(&model),
		Err(CompileError::UnreadableTensor {
			tensor: "w".into(),
			error: TensorError::ExternalData
		})
	);
}

/// The overflow grief: an int8 `Add` of 100 wraps in ONNX Runtime for inputs above 27, and
/// its output (up to 227) does not fit the int8 output row, so a requester who sends 100
/// makes the honest proof impossible to check and gets the worker slashed for the deadline.
/// The compiler bounds each value by its own element type and refuses the model.
#[test]
fn a_narrow_add_that_may_leave_its_type_is_refused() {
	let mut constant = tensor("c", data_type::INT8, &[1]);
	constant.raw_data = vec![100];
	let model = one_node_model("Add", data_type::INT8, 1, constant, data_type::INT8, 1);
	assert_eq!(compile_onnx(&model), Err(CompileError::MayOverflow("y".into())));

	// On int32 the same Add is refused too: inputs near the top of int32 would wrap.
	let mut constant = tensor("c", data_type::INT32, &[1]);
	constant.raw_data = 100i32.to_le_bytes().to_vec();
	let model = one_node_model("Add", data_type::INT32, 1, constant, data_type::INT32, 1);
	assert_eq!(compile_onnx(&model), Err(CompileError::MayOverflow("y".into())));
}

/// A model whose circuit would exhaust a worker's memory is refused before anything is
/// built, by name, whether it comes as ONNX or as a program.
#[test]
fn a_model_over_the_row_budget_is_refused_before_building() {
	let (inputs, outputs) = (1024i64, 1024i64);
	let mut weight = tensor("w", data_type::INT8, &[inputs, outputs]);
	weight.raw_data = (0..inputs * outputs).map(|i| (i % 251) as u8 | 1).collect();
	let model =
		one_node_model("MatMulInteger", data_type::INT8, inputs, weight, data_type::INT32, outputs);
	let Err(CompileError::TooLarge { rows, limit }) = compile_onnx(&model) else {
		panic!("a million-weight layer is over the budget");
	};
	assert!(rows > limit && limit == MAX_ROWS);

	let program = Program {
		input_width: 1024,
		input_type: IntegerType::I8,
		output_type: IntegerType::I32,
		ops: vec![Op::MatMul { outputs: 1024, weights: vec![3; 1024 * 1024] }],
	};
	assert!(estimated_rows(&program) > MAX_ROWS);
	assert!(matches!(Circuit::build(&program), Err(BuildError::TooLarge { .. })));
}

fn small_circuit() -> Circuit {
	let program = Program {
		input_width: 2,
		input_type: IntegerType::I8,
		output_type: IntegerType::I32,
		ops: vec![Op::MatMul { outputs: 1, weights: vec![2, 3] }],
	};
	Circuit::build(&program).unwrap()
}

/// The spec-type attack: a version declares int32 rows for an int8 circuit, so a row read by
/// the spec's type could hold values outside int8 that the circuit's bounds never allowed.
/// The circuit carries its own row types (covered by its digest) and the verifier reads and
/// checks rows by them only.
#[test]
fn rows_are_read_by_the_circuits_own_types_not_the_specs() {
	let circuit = small_circuit();
	let verifier = Verifier::decode(&circuit.verifier_data(), &circuit.digest()).unwrap();
	assert_eq!(
		verifier.shape(),
		RowShape {
			input_type: IntegerType::I8,
			input_width: 2,
			output_type: IntegerType::I32,
			output_width: 1,
		}
	);
	let proven = circuit.prove(&[1, -1]).unwrap();
	let output = IntegerType::I32.encode(&proven.output);
	verifier.verify_bytes(&proven.proof, &[1, 0xff], &output).expect("the honest rows verify");
	// The same input as int32 bytes, as a spec declaring I32 would have it read.
	let as_i32 = IntegerType::I32.encode(&[1, -1]);
	assert_eq!(
		verifier.verify_bytes(&proven.proof, &as_i32, &output),
		Err(VerifyError::RowsOutOfShape)
	);
	// A value no int8 row can hold.
	assert_eq!(
		verifier.verify(&proven.proof, &[200, -1], &[397]),
		Err(VerifyError::RowsOutOfShape)
	);
}

/// A circuit whose shape splits its public inputs elsewhere than its rows (one more input,
/// one fewer output) would leave an output value free: such verifier data is refused, and
/// changing the shape changes the digest.
#[test]
fn a_circuit_cannot_move_an_output_into_its_inputs() {
	let circuit = small_circuit();
	let data = circuit.verifier_data();
	let (shape, plonky2_data) = RowShape::decode(&data).unwrap();
	let shifted = RowShape { input_width: 3, output_width: 0, ..shape };
	let mut forged = shifted.encode().to_vec();
	forged.extend_from_slice(plonky2_data);
	assert!(matches!(Verifier::from_bytes(&forged), Err(VerifyError::MalformedVerifierData)));

	let retyped = RowShape { input_type: IntegerType::I32, ..shape };
	let mut forged = retyped.encode().to_vec();
	forged.extend_from_slice(plonky2_data);
	let verifier = Verifier::from_bytes(&forged).expect("a retyped circuit decodes");
	assert_ne!(verifier.digest(), circuit.digest(), "but not under the honest digest");
}

/// ONNX Runtime on x86 without VNNI multiplies uint8 inputs by int8 weights with AVX2's
/// `pmaddubsw`, which adds two products in int16 and saturates (255·127 + 255·127 runs as
/// 32767): a circuit of the exact sum would prove what some workers' ONNX Runtime never
/// outputs. Such weights are refused; weights within ±64 cannot saturate and compile.
#[test]
fn uint8_inputs_times_large_int8_weights_are_refused_as_cpu_dependent() {
	let mut weight = tensor("w", data_type::INT8, &[2, 1]);
	weight.raw_data = vec![127, 127];
	let model = one_node_model("MatMulInteger", data_type::UINT8, 2, weight, data_type::INT32, 1);
	assert_eq!(compile_onnx(&model), Err(CompileError::MaySaturate("y".into())));

	let mut weight = tensor("w", data_type::INT8, &[2, 1]);
	weight.raw_data = vec![64, (-64i8) as u8];
	let model = one_node_model("MatMulInteger", data_type::UINT8, 2, weight, data_type::INT32, 1);
	assert_eq!(compile_onnx(&model).unwrap().evaluate(&[255, 0]).unwrap(), vec![255 * 64]);
}
