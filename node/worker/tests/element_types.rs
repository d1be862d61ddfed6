//! Every element type a schema may declare goes into ONNX Runtime and comes back with the
//! bytes the chain's encoding gives it: float16 (which Rust has no type for), float64,
//! bool, a rank-0 int64 scalar, and a dimension whose size the request chooses.

use std::path::PathBuf;

mod common;

use common::node;
use prost::Message;
use verin_primitives::tensor::{f16_from_f64, f16_to_f64, TensorData, TensorPayload};
use verin_worker::{EngineConfig, OrtEngine};
use verin_zk::onnx::{
	data_type::{BOOL, DOUBLE, FLOAT16, INT64},
	Dimension, GraphProto, ModelProto, OperatorSetIdProto, TensorShapeProto, TypeProto,
	TypeProtoTensor, ValueInfoProto,
};

fn library() -> PathBuf {
	PathBuf::from(std::env::var("VERIN_ORT_LIBRARY").expect(
		"VERIN_ORT_LIBRARY names the ONNX Runtime library: run `bash scripts/setup.sh` and `source scripts/env.sh`",
	))
}

fn value(name: &str, elem_type: i32, dims: Vec<Dimension>) -> ValueInfoProto {
	ValueInfoProto {
		name: name.into(),
		r#type: Some(TypeProto {
			tensor_type: Some(TypeProtoTensor {
				elem_type,
				shape: Some(TensorShapeProto { dim: dims }),
			}),
		}),
	}
}

/// half → Identity, mask → Not, wide (`[n]`, n chosen per request) → Add to itself,
/// count (rank 0) → Add to itself.
fn model() -> Vec<u8> {
	let fixed = |size| Dimension { dim_value: Some(size), dim_param: None };
	let named = |name: &str| Dimension { dim_value: None, dim_param: Some(name.into()) };
	ModelProto {
		ir_version: 8,
		opset_import: vec![OperatorSetIdProto { domain: String::new(), version: 17 }],
		graph: Some(GraphProto {
			node: vec![
				node("Identity", &["half"], "half_out"),
				node("Not", &["mask"], "mask_out"),
				node("Add", &["wide", "wide"], "wide_out"),
				node("Add", &["count", "count"], "count_out"),
			],
			initializer: vec![],
			input: vec![
				value("half", FLOAT16, vec![fixed(3)]),
				value("mask", BOOL, vec![fixed(2)]),
				value("wide", DOUBLE, vec![named("n")]),
				value("count", INT64, vec![]),
			],
			output: vec![
				value("half_out", FLOAT16, vec![fixed(3)]),
				value("mask_out", BOOL, vec![fixed(2)]),
				value("wide_out", DOUBLE, vec![named("n")]),
				value("count_out", INT64, vec![]),
			],
		}),
	}
	.encode_to_vec()
}

fn tensor(shape: &[u32], data: Vec<u8>) -> TensorData {
	TensorData { shape: shape.to_vec().try_into().unwrap(), data: data.try_into().unwrap() }
}

#[test]
fn half_double_bool_and_scalar_tensors_round_trip_through_onnx_runtime() {
	let engine = OrtEngine::new(EngineConfig::new(library()), None).expect("ONNX Runtime loads");
	let model = engine.add_model(model());
	let halves: Vec<u8> =
		[1.5, -0.25, 65504.0].iter().flat_map(|v| f16_from_f64(*v).to_le_bytes()).collect();
	for n in [1usize, 5] {
		let wide: Vec<f64> = (0..n).map(|i| i as f64 * 0.1 + 1e300).collect();
		let input: TensorPayload = vec![
			tensor(&[3], halves.clone()),
			tensor(&[2], vec![1, 0]),
			tensor(&[n as u32], wide.iter().flat_map(|v| v.to_le_bytes()).collect()),
			tensor(&[], 21i64.to_le_bytes().to_vec()),
		]
		.try_into()
		.unwrap();
		let output = engine.run(model, &input).expect("the model runs");

		assert_eq!(output[0], input[0], "float16 comes back bit for bit");
		let back: Vec<f64> = output[0]
			.data
			.chunks_exact(2)
			.map(|b| f16_to_f64(u16::from_le_bytes([b[0], b[1]])))
			.collect();
		assert_eq!(back, [1.5, -0.25, 65504.0]);
		assert_eq!(output[1], tensor(&[2], vec![0, 1]), "bool is one byte, 0 or 1");
		let doubled: Vec<u8> = wide.iter().flat_map(|v| (v + v).to_le_bytes()).collect();
		assert_eq!(output[2], tensor(&[n as u32], doubled), "float64 with n = {n}");
		assert_eq!(output[3], tensor(&[], 42i64.to_le_bytes().to_vec()), "a rank-0 int64");
	}
}
