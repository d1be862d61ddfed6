//! ONNX as the compiler reads it: the schema of `verin-onnx`, and the Verin integer type of
//! an ONNX element type.

pub use verin_onnx::*;

/// The Verin integer type of an ONNX element type, for inputs and outputs.
pub fn integer_type(data_type: i32) -> Option<crate::program::IntegerType> {
	use crate::program::IntegerType;
	use data_type::*;
	Some(match data_type {
		INT8 => IntegerType::I8,
		UINT8 => IntegerType::U8,
		INT16 => IntegerType::I16,
		INT32 => IntegerType::I32,
		_ => return None,
	})
}
