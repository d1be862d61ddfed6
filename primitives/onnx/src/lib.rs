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

/// ONNX `TensorProto.DataType` values Verin handles (the ZK compiler the integer ones).
pub mod data_type {
	pub const FLOAT: i32 = 1;
	pub const UINT8: i32 = 2;
	pub const INT8: i32 = 3;
	pub const INT16: i32 = 5;
	pub const INT32: i32 = 6;
	pub const INT64: i32 = 7;
	pub const BOOL: i32 = 9;
	pub const FLOAT16: i32 = 10;
	pub const DOUBLE: i32 = 11;
}

/// ONNX's `TensorProto.DataLocation.EXTERNAL`: the values live in a file beside the model.
pub const DATA_LOCATION_EXTERNAL: i32 = 1;

/// Why a constant tensor's values cannot be read the way ONNX Runtime reads them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TensorError {
	/// The values live in an external file; a model is read from its own bytes only.
	ExternalData,
	/// The element type is not an integer type the reader handles.
	NotInteger,
	/// A dimension is negative, or the element count overflows.
	InvalidDims,
	/// `raw_data` holds `actual` bytes where the dims need `expected` (ONNX Runtime refuses
	/// such a tensor; reading a prefix would compile a model it never runs).
	RawDataLength {
		/// Bytes the dims and element type need.
		expected: u64,
		/// Bytes present.
		actual: u64,
	},
	/// The typed field holds `actual` values where the dims need `expected`.
	ValueCount {
		/// Elements the dims need.
		expected: u64,
		/// Elements present.
		actual: u64,
	},
}

impl core::fmt::Display for TensorError {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		match self {
			Self::ExternalData => write!(f, "its data is stored outside the model file"),
			Self::NotInteger => write!(f, "it is not an integer tensor"),
			Self::InvalidDims => write!(f, "its dims are negative or too large"),
			Self::RawDataLength { expected, actual } => {
				write!(f, "raw_data has {actual} bytes, its dims need {expected}")
			},
			Self::ValueCount { expected, actual } => {
				write!(f, "it holds {actual} values, its dims need {expected}")
			},
		}
	}
}

impl std::error::Error for TensorError {}

/// The integer values of a constant tensor, exactly as ONNX Runtime materializes them.
///
/// ONNX stores int8, uint8 and int16 values without `raw_data` in `int32_data`, one per
/// entry; ONNX Runtime narrows each entry to the element type (`static_cast`), so an int8
/// weight stored as 1000 runs as -24. Reading the full int32 would compile a function other
/// than the one the model runs. `raw_data` must hold exactly the bytes the dims need.
pub fn integer_values(tensor: &TensorProto) -> Result<Vec<i64>, TensorError> {
	use data_type::*;
	if tensor.data_location == DATA_LOCATION_EXTERNAL {
		return Err(TensorError::ExternalData);
	}
	let size: u64 = match tensor.data_type {
		INT8 | UINT8 => 1,
		INT16 => 2,
		INT32 => 4,
		INT64 => 8,
		_ => return Err(TensorError::NotInteger),
	};
	let expected = tensor
		.dims
		.iter()
		.try_fold(1u64, |count, dim| u64::try_from(*dim).ok().and_then(|d| count.checked_mul(d)))
		.ok_or(TensorError::InvalidDims)?;
	let raw = &tensor.raw_data;
	if !raw.is_empty() {
		let needed = expected.checked_mul(size).ok_or(TensorError::InvalidDims)?;
		if raw.len() as u64 != needed {
			return Err(TensorError::RawDataLength { expected: needed, actual: raw.len() as u64 });
		}
		let words = raw.chunks_exact(size as usize);
		return Ok(match tensor.data_type {
			INT8 => raw.iter().map(|b| *b as i8 as i64).collect(),
			UINT8 => raw.iter().map(|b| *b as i64).collect(),
			INT16 => words.map(|c| i16::from_le_bytes([c[0], c[1]]) as i64).collect(),
			INT32 => words.map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64).collect(),
			_ => words
				.map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
				.collect(),
		});
	}
	let values: Vec<i64> = match tensor.data_type {
		INT8 => tensor.int32_data.iter().map(|v| *v as i8 as i64).collect(),
		UINT8 => tensor.int32_data.iter().map(|v| *v as u8 as i64).collect(),
		INT16 => tensor.int32_data.iter().map(|v| *v as i16 as i64).collect(),
		INT32 => tensor.int32_data.iter().map(|v| *v as i64).collect(),
		_ => tensor.int64_data.clone(),
	};
	if values.len() as u64 != expected {
		return Err(TensorError::ValueCount { expected, actual: values.len() as u64 });
	}
	Ok(values)
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

#[cfg(test)]
mod tests {
	use super::*;

	fn tensor(data_type: i32, dims: &[i64]) -> TensorProto {
		TensorProto { data_type, dims: dims.to_vec(), ..Default::default() }
	}

	#[test]
	fn narrow_values_in_int32_data_are_narrowed_as_onnx_runtime_does() {
		let mut weight = tensor(data_type::INT8, &[3]);
		weight.int32_data = vec![1000, -129, 127];
		assert_eq!(integer_values(&weight), Ok(vec![-24, 127, 127]));
		let mut weight = tensor(data_type::UINT8, &[2]);
		weight.int32_data = vec![-1, 256];
		assert_eq!(integer_values(&weight), Ok(vec![255, 0]));
		let mut weight = tensor(data_type::INT16, &[1]);
		weight.int32_data = vec![40_000];
		assert_eq!(integer_values(&weight), Ok(vec![40_000 - 65_536]));
	}

	#[test]
	fn raw_data_with_trailing_bytes_is_refused() {
		let mut weight = tensor(data_type::INT16, &[2]);
		weight.raw_data = vec![1, 0, 2, 0, 9];
		assert_eq!(
			integer_values(&weight),
			Err(TensorError::RawDataLength { expected: 4, actual: 5 })
		);
		weight.raw_data.pop();
		assert_eq!(integer_values(&weight), Ok(vec![1, 2]));
	}

	#[test]
	fn external_data_is_refused_by_name() {
		let mut weight = tensor(data_type::INT8, &[1]);
		weight.raw_data = vec![1];
		weight.data_location = DATA_LOCATION_EXTERNAL;
		assert_eq!(integer_values(&weight), Err(TensorError::ExternalData));
	}

	#[test]
	fn counts_that_differ_from_the_dims_are_refused() {
		let mut weight = tensor(data_type::INT32, &[2, 2]);
		weight.int32_data = vec![1, 2, 3];
		assert_eq!(
			integer_values(&weight),
			Err(TensorError::ValueCount { expected: 4, actual: 3 })
		);
		let negative = tensor(data_type::INT64, &[-1]);
		assert_eq!(integer_values(&negative), Err(TensorError::InvalidDims));
		assert_eq!(integer_values(&tensor(data_type::FLOAT, &[1])), Err(TensorError::NotInteger));
	}
}
