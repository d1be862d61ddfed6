//! Between the chain's tensor payloads (little-endian bytes with a shape) and ONNX Runtime
//! values, in the order the model declares its inputs and outputs.

use ort::{
	memory::Allocator,
	session::Session,
	value::{DynTensor, DynTensorValueType, DynValue, Tensor, TensorElementType, ValueType},
};
use verin_primitives::tensor::{TensorData, TensorPayload, MAX_TENSOR_BYTES};
use verin_worker_primitives::InferenceError;

/// Runs `session` on `input` and returns its outputs as a payload.
pub fn run(session: &mut Session, input: &TensorPayload) -> Result<TensorPayload, InferenceError> {
	run_with(session, input, |_, otherwise| otherwise)
}

/// [`run`], naming ONNX Runtime's run failures with `classify` (given the error and the
/// default, [`InferenceError::ExecutionFailed`]).
pub fn run_with(
	session: &mut Session,
	input: &TensorPayload,
	classify: fn(&ort::Error, InferenceError) -> InferenceError,
) -> Result<TensorPayload, InferenceError> {
	if session.inputs().len() != input.len() {
		return Err(InferenceError::InvalidInput);
	}
	let mut feeds: Vec<(String, DynValue)> = Vec::with_capacity(input.len());
	for (outlet, tensor) in session.inputs().iter().zip(input.iter()) {
		let ValueType::Tensor { ty, .. } = outlet.dtype() else {
			return Err(InferenceError::InvalidInput);
		};
		feeds.push((outlet.name().to_string(), to_value(*ty, tensor)?));
	}
	let output_names: Vec<String> =
		session.outputs().iter().map(|outlet| outlet.name().to_string()).collect();
	let outputs = session.run(feeds).map_err(|error| {
		log::debug!(target: "verin-inference", "run failed: {error}");
		classify(&error, InferenceError::ExecutionFailed)
	})?;
	let tensors = output_names
		.iter()
		.map(|name| outputs.get(name).ok_or(InferenceError::UnsupportedOutput).and_then(from_value))
		.collect::<Result<Vec<_>, _>>()?;
	TensorPayload::try_from(tensors).map_err(|_| InferenceError::UnsupportedOutput)
}

fn to_value(ty: TensorElementType, tensor: &TensorData) -> Result<DynValue, InferenceError> {
	let shape: Vec<i64> = tensor.shape.iter().map(|dim| *dim as i64).collect();
	let bytes = &tensor.data[..];
	fn tensor_of<
		T: ort::value::PrimitiveTensorElementType + Clone + std::fmt::Debug + 'static,
		const W: usize,
	>(
		shape: Vec<i64>,
		bytes: &[u8],
		decode: fn([u8; W]) -> T,
	) -> Result<DynValue, InferenceError> {
		if !bytes.len().is_multiple_of(W) {
			return Err(InferenceError::InvalidInput);
		}
		let elements: Vec<T> = bytes
			.chunks_exact(W)
			.map(|chunk| decode(chunk.try_into().expect("chunks_exact yields W bytes")))
			.collect();
		let expected: i64 = shape.iter().product();
		if shape.iter().any(|dim| *dim < 0) || expected != elements.len() as i64 {
			return Err(InferenceError::InvalidInput);
		}
		Tensor::from_array((shape, elements))
			.map(|t| t.into_dyn())
			.map_err(|_| InferenceError::InvalidInput)
	}
	match ty {
		TensorElementType::Float32 => tensor_of::<f32, 4>(shape, bytes, f32::from_le_bytes),
		TensorElementType::Int8 => tensor_of::<i8, 1>(shape, bytes, i8::from_le_bytes),
		TensorElementType::Uint8 => tensor_of::<u8, 1>(shape, bytes, u8::from_le_bytes),
		TensorElementType::Int32 => tensor_of::<i32, 4>(shape, bytes, i32::from_le_bytes),
		TensorElementType::Int64 => tensor_of::<i64, 8>(shape, bytes, i64::from_le_bytes),
		TensorElementType::Float16 => raw_tensor(ty, shape, bytes, 2),
		TensorElementType::Float64 => tensor_of::<f64, 8>(shape, bytes, f64::from_le_bytes),
		// The runtime admits only 0 and 1 (`TensorError::InvalidBoolean`).
		TensorElementType::Bool => tensor_of::<bool, 1>(shape, bytes, |[byte]| byte != 0),
		_ => Err(InferenceError::InvalidInput),
	}
}

/// A tensor of an element type Rust has no type for (float16), from its little-endian
/// bytes: ONNX Runtime allocates it and the bytes are copied in.
fn raw_tensor(
	ty: TensorElementType,
	shape: Vec<i64>,
	bytes: &[u8],
	width: usize,
) -> Result<DynValue, InferenceError> {
	let elements: i64 = shape.iter().product();
	if shape.iter().any(|dim| *dim < 0) || elements as usize * width != bytes.len() {
		return Err(InferenceError::InvalidInput);
	}
	let mut tensor = DynTensor::new(&Allocator::default(), ty, shape)
		.map_err(|_| InferenceError::InvalidInput)?;
	let data = tensor.data_ptr_mut().cast::<u8>();
	if !bytes.is_empty() {
		// SAFETY: ONNX Runtime's default allocator (the CPU's) gave `elements * width`
		// bytes at `data`, and `bytes` has exactly that length.
		unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), data, bytes.len()) };
	}
	Ok(tensor.into_dyn())
}

/// The shape and little-endian bytes of a tensor of `width`-byte elements Rust has no type
/// for (float16).
fn raw_bytes(value: &DynValue, width: usize) -> Result<(Vec<i64>, Vec<u8>), InferenceError> {
	let ValueType::Tensor { shape, .. } = value.dtype() else {
		return Err(InferenceError::UnsupportedOutput);
	};
	let shape: Vec<i64> = shape.iter().copied().collect();
	let elements: i64 = shape.iter().product();
	let tensor = value
		.view()
		.downcast::<DynTensorValueType>()
		.map_err(|_| InferenceError::UnsupportedOutput)?;
	if shape.iter().any(|dim| *dim < 0) || !tensor.memory_info().is_cpu_accessible() {
		return Err(InferenceError::UnsupportedOutput);
	}
	let len = elements as usize * width;
	if len > MAX_TENSOR_BYTES as usize {
		return Err(InferenceError::UnsupportedOutput);
	}
	let data = tensor.data_ptr().cast::<u8>();
	if len == 0 || data.is_null() {
		return Ok((shape, Vec::new()));
	}
	// SAFETY: the tensor's data is CPU-accessible (checked) and holds `elements` elements of
	// `width` bytes, its element type's size.
	let bytes = unsafe { std::slice::from_raw_parts(data, len) }.to_vec();
	Ok((shape, bytes))
}

fn from_value(value: &DynValue) -> Result<TensorData, InferenceError> {
	let ValueType::Tensor { ty, .. } = value.dtype() else {
		return Err(InferenceError::UnsupportedOutput);
	};
	fn bytes_of<T: ort::value::PrimitiveTensorElementType + Copy, const W: usize>(
		value: &DynValue,
		encode: fn(T) -> [u8; W],
	) -> Result<(Vec<i64>, Vec<u8>), InferenceError> {
		let (shape, data) =
			value.try_extract_tensor::<T>().map_err(|_| InferenceError::UnsupportedOutput)?;
		Ok((shape.to_vec(), data.iter().flat_map(|element| encode(*element)).collect()))
	}
	let (shape, bytes) = match ty {
		TensorElementType::Float32 => bytes_of::<f32, 4>(value, f32::to_le_bytes)?,
		TensorElementType::Int8 => bytes_of::<i8, 1>(value, i8::to_le_bytes)?,
		TensorElementType::Uint8 => bytes_of::<u8, 1>(value, u8::to_le_bytes)?,
		TensorElementType::Int32 => bytes_of::<i32, 4>(value, i32::to_le_bytes)?,
		TensorElementType::Int64 => bytes_of::<i64, 8>(value, i64::to_le_bytes)?,
		TensorElementType::Float16 => raw_bytes(value, 2)?,
		TensorElementType::Float64 => bytes_of::<f64, 8>(value, f64::to_le_bytes)?,
		TensorElementType::Bool => bytes_of::<bool, 1>(value, |element| [element as u8])?,
		_ => return Err(InferenceError::UnsupportedOutput),
	};
	if bytes.len() > MAX_TENSOR_BYTES as usize {
		return Err(InferenceError::UnsupportedOutput);
	}
	let shape: Vec<u32> = shape
		.iter()
		.map(|dim| u32::try_from(*dim).map_err(|_| InferenceError::UnsupportedOutput))
		.collect::<Result<_, _>>()?;
	Ok(TensorData {
		shape: shape.try_into().map_err(|_| InferenceError::UnsupportedOutput)?,
		data: bytes.try_into().map_err(|_| InferenceError::UnsupportedOutput)?,
	})
}
