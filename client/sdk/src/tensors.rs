//! Tensors in and out: a request's input from JSON or NumPy `.npy`, checked against the
//! model's schema, and a result's output as JSON.
//!
//! JSON input is either an object `{"<input name>": nested array, …}` or, for a model with
//! one input, the nested array itself. A row-shaped array (`[1, 2, 3]`) for an input
//! declared `[batch, 3]` is one row. A dimension declared as a range (`16..512`) takes any
//! size within it. Booleans may be written `true`/`false` or `1`/`0`. `.npy` files hold
//! the single input of a one-input model.

use serde_json::Value;
use verin_primitives::{
	model::{Dim, ElementType, TensorSpec},
	tensor::{f16_from_f64, f16_to_f64, TensorData, TensorPayload},
};

/// Why an input cannot be sent to a model.
#[derive(Debug, PartialEq)]
pub enum InputError {
	/// The file is neither valid JSON nor a `.npy` array Verin reads.
	Unreadable(String),
	/// An input the model declares is missing (or the JSON has an unknown name).
	Tensors(String),
	/// The nesting does not match the declared shape.
	Shape { tensor: String, expected: String, found: Vec<usize> },
	/// A value does not fit the element type (e.g. 300 for int8, 1.5 for an integer).
	Value { tensor: String, value: String, element: ElementType },
	/// The payload exceeds a tensor's or the request's size bound.
	TooLarge,
}

impl core::fmt::Display for InputError {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		match self {
			Self::Unreadable(e) => write!(f, "cannot read the input: {e}"),
			Self::Tensors(e) => write!(f, "{e}"),
			Self::Shape { tensor, expected, found } => {
				write!(f, "input `{tensor}` has shape {found:?}; the model declares {expected}")
			},
			Self::Value { tensor, value, element } => {
				write!(f, "input `{tensor}`: {value} is not a valid {element:?} value")
			},
			Self::TooLarge => write!(f, "the input exceeds the chain's size bound for a tensor"),
		}
	}
}

impl std::error::Error for InputError {}

fn name(spec: &TensorSpec) -> String {
	String::from_utf8_lossy(&spec.name).into_owned()
}

/// `[batch, 64]` style text of a declared shape (`[batch, 16..512]` with a ranged dimension).
pub fn shape_text(spec: &TensorSpec) -> String {
	let dims: Vec<String> = spec
		.shape
		.iter()
		.map(|dim| match dim {
			Dim::Batch => "batch".into(),
			Dim::Fixed(size) => size.to_string(),
			Dim::Range { min, max } => format!("{min}..{max}"),
		})
		.collect();
	format!("[{}]", dims.join(", "))
}

/// Reads an input file: `.npy` by extension, JSON otherwise.
pub fn read_input(
	path: &std::path::Path,
	inputs: &[TensorSpec],
) -> Result<TensorPayload, InputError> {
	let bytes = std::fs::read(path)
		.map_err(|e| InputError::Unreadable(format!("{}: {e}", path.display())))?;
	if path.extension().is_some_and(|ext| ext == "npy") {
		let [spec] = inputs else {
			return Err(InputError::Tensors(format!(
				"a .npy file holds one tensor; the model takes {}",
				inputs.len()
			)));
		};
		let (shape, values) = npy::read(&bytes).map_err(InputError::Unreadable)?;
		return payload(vec![tensor(spec, shape, &values)?]);
	}
	let json: Value = serde_json::from_slice(&bytes)
		.map_err(|e| InputError::Unreadable(format!("{}: {e}", path.display())))?;
	from_json(&json, inputs)
}

/// The payload for `json` (see the module docs) against the declared `inputs`.
pub fn from_json(json: &Value, inputs: &[TensorSpec]) -> Result<TensorPayload, InputError> {
	let named = match (json, inputs) {
		(Value::Object(map), _) => {
			if let Some(unknown) =
				map.keys().find(|key| !inputs.iter().any(|spec| name(spec) == **key))
			{
				let declared: Vec<String> = inputs.iter().map(name).collect();
				return Err(InputError::Tensors(format!(
					"the model has no input `{unknown}`; its inputs are {declared:?}"
				)));
			}
			inputs
				.iter()
				.map(|spec| {
					map.get(&name(spec)).map(|value| (spec, value)).ok_or_else(|| {
						InputError::Tensors(format!(
							"input `{}` {} is missing",
							name(spec),
							shape_text(spec)
						))
					})
				})
				.collect::<Result<Vec<_>, _>>()?
		},
		(array @ Value::Array(_), [spec]) => vec![(spec, array)],
		(Value::Array(_), _) => {
			let declared: Vec<String> = inputs.iter().map(name).collect();
			return Err(InputError::Tensors(format!(
				"the model takes several inputs {declared:?}: name them in a JSON object"
			)));
		},
		_ => {
			return Err(InputError::Unreadable(
				"the JSON input must be an array or an object of arrays".into(),
			))
		},
	};
	let tensors = named
		.into_iter()
		.map(|(spec, value)| {
			let (mut shape, values) = flatten(value).map_err(|reason| InputError::Shape {
				tensor: name(spec),
				expected: format!("{} ({reason})", shape_text(spec)),
				found: vec![],
			})?;
			if spec.shape.first() == Some(&Dim::Batch) {
				let row: Vec<usize> = spec.shape[1..]
					.iter()
					.map(|d| if let Dim::Fixed(size) = d { *size as usize } else { 0 })
					.collect();
				let row_len: usize = row.iter().product();
				if shape.len() + 1 == spec.shape.len() {
					// One row may be written without its batch dimension.
					shape.insert(0, 1);
				} else if shape.len() == 1
					&& spec.shape.len() > 2
					&& row_len > 0 && shape[0] % row_len == 0
				{
					// Flat rows of a multi-dimensional input (an image as its pixels).
					shape = core::iter::once(shape[0] / row_len).chain(row).collect();
				}
			}
			tensor(spec, shape, &values)
		})
		.collect::<Result<Vec<_>, _>>()?;
	payload(tensors)
}

fn payload(tensors: Vec<TensorData>) -> Result<TensorPayload, InputError> {
	tensors.try_into().map_err(|_| InputError::TooLarge)
}

/// Shape and values of a nested JSON array of numbers.
fn flatten(value: &Value) -> Result<(Vec<usize>, Vec<f64>), String> {
	match value {
		Value::Number(number) => {
			Ok((vec![], vec![number.as_f64().ok_or("a number out of range")?]))
		},
		Value::Bool(flag) => Ok((vec![], vec![if *flag { 1.0 } else { 0.0 }])),
		Value::Array(items) => {
			let mut shape = None;
			let mut values = Vec::new();
			for item in items {
				let (inner, mut inner_values) = flatten(item)?;
				if shape.get_or_insert_with(|| inner.clone()) != &inner {
					return Err("rows of different lengths".into());
				}
				values.append(&mut inner_values);
			}
			let mut full = vec![items.len()];
			full.extend(shape.unwrap_or_default());
			Ok((full, values))
		},
		_ => Err("only numbers, booleans and arrays".into()),
	}
}

fn tensor(spec: &TensorSpec, shape: Vec<usize>, values: &[f64]) -> Result<TensorData, InputError> {
	let fits = shape.len() == spec.shape.len()
		&& shape.iter().zip(spec.shape.iter()).all(|(found, declared)| {
			u32::try_from(*found).is_ok_and(|found| declared.admits(found))
		});
	if !fits {
		return Err(InputError::Shape {
			tensor: name(spec),
			expected: shape_text(spec),
			found: shape,
		});
	}
	let bad = |value: f64| InputError::Value {
		tensor: name(spec),
		value: value.to_string(),
		element: spec.element,
	};
	let mut data = Vec::with_capacity(values.len() * spec.element.byte_width() as usize);
	for &value in values {
		let integer = |lo: f64, hi: f64| {
			if value.fract() == 0.0 && (lo..=hi).contains(&value) {
				Ok(value)
			} else {
				Err(bad(value))
			}
		};
		match spec.element {
			ElementType::F32 if value.is_finite() => data.extend((value as f32).to_le_bytes()),
			ElementType::F32 => return Err(bad(value)),
			ElementType::I8 => data.push(integer(i8::MIN as f64, i8::MAX as f64)? as i8 as u8),
			ElementType::U8 => data.push(integer(0.0, u8::MAX as f64)? as u8),
			ElementType::I32 => {
				data.extend((integer(i32::MIN as f64, i32::MAX as f64)? as i32).to_le_bytes())
			},
			// JSON numbers are doubles: int64 inputs beyond 2^53 cannot be written exactly.
			ElementType::I64 => {
				data.extend((integer(-(2f64.powi(53)), 2f64.powi(53))? as i64).to_le_bytes())
			},
			ElementType::F16 if value.is_finite() && value.abs() <= 65504.0 => {
				data.extend(f16_from_f64(value).to_le_bytes())
			},
			ElementType::F64 if value.is_finite() => data.extend(value.to_le_bytes()),
			ElementType::F16 | ElementType::F64 => return Err(bad(value)),
			ElementType::Bool => data.push(integer(0.0, 1.0)? as u8),
		}
	}
	let shape: Vec<u32> = shape.iter().map(|d| *d as u32).collect();
	Ok(TensorData {
		shape: shape.try_into().map_err(|_| InputError::TooLarge)?,
		data: data.try_into().map_err(|_| InputError::TooLarge)?,
	})
}

/// A result's tensors as JSON: `{"<output name>": nested array}`, values decoded by the
/// declared element types.
pub fn to_json(outputs: &[TensorSpec], payload: &[TensorData]) -> Value {
	let mut map = serde_json::Map::new();
	for (spec, tensor) in outputs.iter().zip(payload) {
		let width = spec.element.byte_width() as usize;
		let values: Vec<Value> = tensor
			.data
			.chunks_exact(width)
			.map(|bytes| match spec.element {
				ElementType::F32 => {
					serde_json::json!(f32::from_le_bytes(bytes.try_into().expect("4 bytes")))
				},
				ElementType::I8 => serde_json::json!(bytes[0] as i8),
				ElementType::U8 => serde_json::json!(bytes[0]),
				ElementType::I32 => {
					serde_json::json!(i32::from_le_bytes(bytes.try_into().expect("4 bytes")))
				},
				ElementType::I64 => {
					serde_json::json!(i64::from_le_bytes(bytes.try_into().expect("8 bytes")))
				},
				ElementType::F16 => {
					serde_json::json!(f16_to_f64(u16::from_le_bytes([bytes[0], bytes[1]])))
				},
				ElementType::F64 => {
					serde_json::json!(f64::from_le_bytes(bytes.try_into().expect("8 bytes")))
				},
				ElementType::Bool => serde_json::json!(bytes[0] != 0),
			})
			.collect();
		map.insert(name(spec), nest(&values, &tensor.shape));
	}
	Value::Object(map)
}

fn nest(values: &[Value], shape: &[u32]) -> Value {
	match shape.split_first() {
		None => values.first().cloned().unwrap_or(Value::Null),
		Some((_, [])) => Value::Array(values.to_vec()),
		Some((_, rest)) => {
			let inner = rest.iter().product::<u32>().max(1) as usize;
			Value::Array(values.chunks(inner).map(|chunk| nest(chunk, rest)).collect())
		},
	}
}

/// The subset of NumPy's `.npy` format (version 1-3) a model input needs: little-endian
/// float16, float32, float64, int8, uint8, int32, int64 and bool in C order.
mod npy {
	pub fn read(bytes: &[u8]) -> Result<(Vec<usize>, Vec<f64>), String> {
		let rest = bytes.strip_prefix(b"\x93NUMPY").ok_or("not a .npy file")?;
		let (major, rest) = rest.split_at_checked(2).ok_or("truncated .npy header")?;
		let (header_len, rest) = match major[0] {
			1 => rest
				.split_at_checked(2)
				.map(|(len, rest)| (u16::from_le_bytes([len[0], len[1]]) as usize, rest)),
			2 | 3 => rest.split_at_checked(4).map(|(len, rest)| {
				(u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize, rest)
			}),
			_ => None,
		}
		.ok_or("unsupported .npy version")?;
		let (header, data) = rest.split_at_checked(header_len).ok_or("truncated .npy header")?;
		let header = std::str::from_utf8(header).map_err(|_| "the .npy header is not text")?;
		let field = |key: &str| -> Result<&str, String> {
			let at =
				header.find(&format!("'{key}':")).ok_or(format!("the .npy header has no {key}"))?;
			Ok(header[at + key.len() + 3..].trim_start())
		};
		if field("fortran_order")?.starts_with("True") {
			return Err("Fortran-ordered .npy arrays are not supported; save with C order".into());
		}
		let descr = field("descr")?;
		let descr = descr
			.get(1..)
			.and_then(|d| d.split('\'').next())
			.ok_or("bad dtype in the .npy header")?;
		let shape_text = field("shape")?;
		let shape_text = shape_text
			.get(1..)
			.and_then(|s| s.split(')').next())
			.ok_or("bad shape in the .npy header")?;
		let shape: Vec<usize> = shape_text
			.split(',')
			.map(str::trim)
			.filter(|d| !d.is_empty())
			.map(|d| d.parse().map_err(|_| format!("bad dimension {d} in the .npy header")))
			.collect::<Result<_, _>>()?;
		let count: usize = shape.iter().product();
		let (width, decode): (usize, fn(&[u8]) -> f64) = match descr {
			"<f4" => (4, |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64),
			"|i1" => (1, |b| b[0] as i8 as f64),
			"|u1" => (1, |b| b[0] as f64),
			"<i4" => (4, |b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64),
			"<i8" => (8, |b| i64::from_le_bytes(b.try_into().expect("8 bytes")) as f64),
			"<f2" => (2, |b| super::f16_to_f64(u16::from_le_bytes([b[0], b[1]]))),
			"<f8" => (8, |b| f64::from_le_bytes(b.try_into().expect("8 bytes"))),
			"|b1" => (1, |b| b[0] as f64),
			other => {
				return Err(format!(
					"dtype {other} is not supported (float16, float32, float64, int8, uint8, \
					 int32, int64, bool)"
				))
			},
		};
		if data.len() != count * width {
			return Err(format!(
				"the .npy data holds {} bytes; shape {shape:?} needs {}",
				data.len(),
				count * width
			));
		}
		Ok((shape, data.chunks_exact(width).map(decode).collect()))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use verin_primitives::model::MAX_TENSOR_NAME_LEN;

	fn spec(name: &str, element: ElementType, width: u32) -> TensorSpec {
		let _ = MAX_TENSOR_NAME_LEN;
		TensorSpec {
			name: name.as_bytes().to_vec().try_into().unwrap(),
			element,
			shape: vec![Dim::Batch, Dim::Fixed(width)].try_into().unwrap(),
		}
	}

	#[test]
	fn a_row_without_its_batch_dimension_is_one_row() {
		let inputs = [spec("pixels", ElementType::I8, 3)];
		let payload = from_json(&serde_json::json!([1, -2, 127]), &inputs).unwrap();
		assert_eq!(payload[0].shape.as_slice(), &[1, 3]);
		assert_eq!(payload[0].data.as_slice(), &[1, 0xfe, 0x7f]);
	}

	#[test]
	fn an_image_may_be_written_as_its_pixels() {
		let image = TensorSpec {
			name: b"image".to_vec().try_into().unwrap(),
			element: ElementType::U8,
			shape: vec![Dim::Batch, Dim::Fixed(1), Dim::Fixed(2), Dim::Fixed(2)]
				.try_into()
				.unwrap(),
		};
		let payload =
			from_json(&serde_json::json!([1, 2, 3, 4]), std::slice::from_ref(&image)).unwrap();
		assert_eq!(payload[0].shape.as_slice(), &[1, 1, 2, 2]);
		let nested =
			from_json(&serde_json::json!([[[1, 2], [3, 4]]]), std::slice::from_ref(&image))
				.unwrap();
		assert_eq!(nested, payload);
		assert!(from_json(&serde_json::json!([1, 2, 3]), &[image]).is_err());
	}

	#[test]
	fn named_inputs_and_batches() {
		let inputs = [spec("a", ElementType::F32, 2), spec("b", ElementType::I32, 1)];
		let payload = from_json(
			&serde_json::json!({"b": [[5], [6]], "a": [[0.5, 1.0], [2.0, 3.0]]}),
			&inputs,
		)
		.unwrap();
		assert_eq!(payload[0].shape.as_slice(), &[2, 2]);
		assert_eq!(payload[1].data.as_slice(), &[5, 0, 0, 0, 6, 0, 0, 0]);
	}

	#[test]
	fn wrong_inputs_are_named() {
		let inputs = [spec("pixels", ElementType::I8, 3)];
		assert!(matches!(
			from_json(&serde_json::json!([1, 2]), &inputs),
			Err(InputError::Shape { .. })
		));
		assert!(matches!(
			from_json(&serde_json::json!([1, 2, 300]), &inputs),
			Err(InputError::Value { .. })
		));
		assert!(matches!(
			from_json(&serde_json::json!([1, 2, 0.5]), &inputs),
			Err(InputError::Value { .. })
		));
		assert!(matches!(
			from_json(&serde_json::json!({"pixel": [1, 2, 3]}), &inputs),
			Err(InputError::Tensors(_))
		));
		assert!(matches!(
			from_json(&serde_json::json!([[1, 2, 3], [1, 2]]), &inputs),
			Err(InputError::Shape { .. })
		));
	}

	#[test]
	fn outputs_nest_by_shape() {
		let outputs = [spec("scores", ElementType::I32, 2)];
		let tensor = TensorData {
			shape: vec![2, 2].try_into().unwrap(),
			data: [1i32, -1, 2, 3]
				.iter()
				.flat_map(|v| v.to_le_bytes())
				.collect::<Vec<u8>>()
				.try_into()
				.unwrap(),
		};
		assert_eq!(to_json(&outputs, &[tensor]), serde_json::json!({"scores": [[1, -1], [2, 3]]}));
	}

	#[test]
	fn npy_files_are_read() {
		// numpy.save of np.array([[1, -2, 3]], dtype=np.int8)
		let header = "{'descr': '|i1', 'fortran_order': False, 'shape': (1, 3), }";
		let mut padded = header.to_string();
		while !(10 + padded.len() + 1).is_multiple_of(64) {
			padded.push(' ');
		}
		padded.push('\n');
		let mut file = b"\x93NUMPY\x01\x00".to_vec();
		file.extend((padded.len() as u16).to_le_bytes());
		file.extend(padded.as_bytes());
		file.extend([1u8, 0xfe, 3]);
		assert_eq!(npy::read(&file).unwrap(), (vec![1, 3], vec![1.0, -2.0, 3.0]));
		assert!(npy::read(&file[..file.len() - 1]).is_err());
	}

	#[test]
	fn a_ranged_dimension_takes_any_size_within_its_bounds() {
		let audio = TensorSpec {
			name: b"audio".to_vec().try_into().unwrap(),
			element: ElementType::F32,
			shape: vec![Dim::Batch, Dim::Range { min: 2, max: 4 }].try_into().unwrap(),
		};
		let inputs = std::slice::from_ref(&audio);
		assert_eq!(shape_text(&audio), "[batch, 2..4]");
		let three = from_json(&serde_json::json!([0.5, 0.25, 1.0]), inputs).unwrap();
		assert_eq!(three[0].shape.as_slice(), &[1, 3]);
		let two_rows = from_json(&serde_json::json!([[0.5, 0.25], [1.0, 2.0]]), inputs).unwrap();
		assert_eq!(two_rows[0].shape.as_slice(), &[2, 2]);
		assert!(matches!(
			from_json(&serde_json::json!([0.5]), inputs),
			Err(InputError::Shape { .. })
		));
		assert!(matches!(
			from_json(&serde_json::json!([1, 2, 3, 4, 5]), inputs),
			Err(InputError::Shape { .. })
		));
	}

	#[test]
	fn booleans_half_and_double_floats_go_both_ways() {
		let scalar = |name: &str, element| TensorSpec {
			name: name.as_bytes().to_vec().try_into().unwrap(),
			element,
			shape: vec![Dim::Fixed(2)].try_into().unwrap(),
		};
		let specs = [
			scalar("mask", ElementType::Bool),
			scalar("h", ElementType::F16),
			scalar("d", ElementType::F64),
		];
		let json = serde_json::json!({"mask": [true, 0], "h": [1.5, -2.0], "d": [0.1, 1e300]});
		let payload = from_json(&json, &specs).unwrap();
		assert_eq!(payload[0].data.as_slice(), &[1, 0]);
		assert_eq!(payload[1].data.as_slice(), &[0x00, 0x3e, 0x00, 0xc0]);
		assert_eq!(
			to_json(&specs, &payload),
			serde_json::json!({"mask": [true, false], "h": [1.5, -2.0], "d": [0.1, 1e300]})
		);
		let bad = |json| from_json(&json, &specs);
		assert!(matches!(
			bad(serde_json::json!({"mask": [2, 0], "h": [0, 0], "d": [0, 0]})),
			Err(InputError::Value { .. })
		));
		assert!(matches!(
			bad(serde_json::json!({"mask": [1, 0], "h": [70000, 0], "d": [0, 0]})),
			Err(InputError::Value { .. })
		));
	}
}
