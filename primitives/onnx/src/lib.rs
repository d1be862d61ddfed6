//! The part of ONNX's protobuf schema (`onnx.proto3`, IR version 8+) Verin reads: the
//! graph's nodes, initializers (constant tensors), inputs and outputs. Field numbers are
//! ONNX's; fields not listed are skipped by the decoder. The ZK compiler (`verin-zk`) and
//! the SDK's schema derivation (`verin-sdk`) both read models through it; it builds on plain
//! stable Rust.

use prost::Message;

#[derive(Clone, PartialEq, Message)]
pub struct ModelProto {
	#[prost(int64, tag = "1")]
	pub ir_version: i64,
	#[prost(message, repeated, tag = "8")]
	pub opset_import: Vec<OperatorSetIdProto>,
	#[prost(message, optional, tag = "7")]
	pub graph: Option<GraphProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct OperatorSetIdProto {
	#[prost(string, tag = "1")]
	pub domain: String,
	#[prost(int64, tag = "2")]
	pub version: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct GraphProto {
	#[prost(message, repeated, tag = "1")]
	pub node: Vec<NodeProto>,
	#[prost(message, repeated, tag = "5")]
	pub initializer: Vec<TensorProto>,
	#[prost(message, repeated, tag = "11")]
	pub input: Vec<ValueInfoProto>,
	#[prost(message, repeated, tag = "12")]
	pub output: Vec<ValueInfoProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct NodeProto {
	#[prost(string, repeated, tag = "1")]
	pub input: Vec<String>,
	#[prost(string, repeated, tag = "2")]
	pub output: Vec<String>,
	#[prost(string, tag = "3")]
	pub name: String,
	#[prost(string, tag = "4")]
	pub op_type: String,
	#[prost(string, tag = "7")]
	pub domain: String,
	#[prost(message, repeated, tag = "5")]
	pub attribute: Vec<AttributeProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct AttributeProto {
	#[prost(string, tag = "1")]
	pub name: String,
	#[prost(float, tag = "2")]
	pub f: f32,
	#[prost(int64, tag = "3")]
	pub i: i64,
	#[prost(bytes = "vec", tag = "4")]
	pub s: Vec<u8>,
	#[prost(message, optional, tag = "5")]
	pub t: Option<TensorProto>,
	#[prost(int64, repeated, tag = "8")]
	pub ints: Vec<i64>,
}

#[derive(Clone, PartialEq, Message)]
pub struct TensorProto {
	#[prost(int64, repeated, tag = "1")]
	pub dims: Vec<i64>,
	#[prost(int32, tag = "2")]
	pub data_type: i32,
	#[prost(float, repeated, tag = "4")]
	pub float_data: Vec<f32>,
	#[prost(int32, repeated, tag = "5")]
	pub int32_data: Vec<i32>,
	#[prost(int64, repeated, tag = "7")]
	pub int64_data: Vec<i64>,
	#[prost(string, tag = "8")]
	pub name: String,
	#[prost(bytes = "vec", tag = "9")]
	pub raw_data: Vec<u8>,
	#[prost(int32, tag = "14")]
	pub data_location: i32,
}

#[derive(Clone, PartialEq, Message)]
pub struct ValueInfoProto {
	#[prost(string, tag = "1")]
	pub name: String,
	#[prost(message, optional, tag = "2")]
	pub r#type: Option<TypeProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct TypeProto {
	#[prost(message, optional, tag = "1")]
	pub tensor_type: Option<TypeProtoTensor>,
}

#[derive(Clone, PartialEq, Message)]
pub struct TypeProtoTensor {
	#[prost(int32, tag = "1")]
	pub elem_type: i32,
	#[prost(message, optional, tag = "2")]
	pub shape: Option<TensorShapeProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct TensorShapeProto {
	#[prost(message, repeated, tag = "1")]
	pub dim: Vec<Dimension>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Dimension {
	#[prost(int64, optional, tag = "1")]
	pub dim_value: Option<i64>,
	#[prost(string, optional, tag = "2")]
	pub dim_param: Option<String>,
}

/// ONNX `TensorProto.DataType` values the compiler handles.
pub mod data_type {
	pub const FLOAT: i32 = 1;
	pub const UINT8: i32 = 2;
	pub const INT8: i32 = 3;
	pub const INT16: i32 = 5;
	pub const INT32: i32 = 6;
	pub const INT64: i32 = 7;
}

/// The integer values of a constant tensor, or `None` for non-integer or external data.
pub fn integer_values(tensor: &TensorProto) -> Option<Vec<i64>> {
	use data_type::*;
	if tensor.data_location != 0 {
		return None;
	}
	let raw = &tensor.raw_data;
	let values = match tensor.data_type {
		INT8 if !raw.is_empty() => raw.iter().map(|b| *b as i8 as i64).collect(),
		UINT8 if !raw.is_empty() => raw.iter().map(|b| *b as i64).collect(),
		INT16 if !raw.is_empty() => {
			raw.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]]) as i64).collect()
		},
		INT32 if !raw.is_empty() => raw
			.chunks_exact(4)
			.map(|c| i32::from_le_bytes(c.try_into().expect("4 bytes")) as i64)
			.collect(),
		INT64 if !raw.is_empty() => raw
			.chunks_exact(8)
			.map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")))
			.collect(),
		// Without raw data, int8/uint8/int16/int32 live in `int32_data`, int64 in `int64_data`.
		INT8 | UINT8 | INT16 | INT32 => tensor.int32_data.iter().map(|v| *v as i64).collect(),
		INT64 => tensor.int64_data.clone(),
		_ => return None,
	};
	let expected: i64 = tensor.dims.iter().product();
	(values.len() as i64 == expected).then_some(values)
}

/// The inclusive value range of an integer element type.
pub fn type_range(data_type: i32) -> Option<(i64, i64)> {
	use data_type::*;
	Some(match data_type {
		INT8 => (i8::MIN as i64, i8::MAX as i64),
		UINT8 => (0, u8::MAX as i64),
		INT16 => (i16::MIN as i64, i16::MAX as i64),
		INT32 => (i32::MIN as i64, i32::MAX as i64),
		INT64 => (i64::MIN, i64::MAX),
		_ => return None,
	})
}

/// Decodes a model file.
pub fn decode(bytes: &[u8]) -> Result<ModelProto, prost::DecodeError> {
	ModelProto::decode(bytes)
}
