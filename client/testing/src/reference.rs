//! The reference outputs of the example models (`scripts/models/expected/*.json`, written by
//! `make_models.py` with Python's onnxruntime), and the comparison the tests apply.

use std::path::PathBuf;

use serde_json::Value;

/// One model's reference: an input batch and onnxruntime's output for it.
pub struct Reference {
	/// File name of the model in `scripts/models`.
	pub model: String,
	/// Input element type as numpy names it (`float32`, `int8`).
	pub input_dtype: String,
	/// Input shape.
	pub input_shape: Vec<u32>,
	/// Input elements, little-endian.
	pub input_bytes: Vec<u8>,
	/// Output element type (`float32`, `int32`).
	pub output_dtype: String,
	/// Output shape.
	pub output_shape: Vec<u32>,
	/// Output elements.
	pub output: Vec<f64>,
}

/// `scripts/models` of this checkout.
pub fn models_dir() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/models")
}

/// The reference of model `name` (file stem, e.g. `digits-mlp-int8`).
pub fn load(name: &str) -> Reference {
	let path = models_dir().join("expected").join(format!("{name}.json"));
	let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
	let json: Value = serde_json::from_str(&text).expect("reference files are JSON");
	let shape = |v: &Value| -> Vec<u32> {
		v["shape"]
			.as_array()
			.expect("shape")
			.iter()
			.map(|d| d.as_u64().expect("dim") as u32)
			.collect()
	};
	let numbers = |v: &Value| -> Vec<f64> {
		v["data"].as_array().expect("data").iter().map(|x| x.as_f64().expect("number")).collect()
	};
	let input = &json["input"];
	let input_dtype = input["dtype"].as_str().expect("dtype").to_string();
	let input_bytes = numbers(input)
		.into_iter()
		.flat_map(|x| match input_dtype.as_str() {
			"float32" => (x as f32).to_le_bytes().to_vec(),
			"int8" => (x as i8).to_le_bytes().to_vec(),
			other => panic!("unexpected input dtype {other}"),
		})
		.collect();
	Reference {
		model: json["model"].as_str().expect("model").to_string(),
		input_shape: shape(input),
		input_dtype,
		input_bytes,
		output_dtype: json["output"]["dtype"].as_str().expect("dtype").to_string(),
		output_shape: shape(&json["output"]),
		output: numbers(&json["output"]),
	}
}

impl Reference {
	/// Panics unless `bytes` (little-endian elements of `shape`) is onnxruntime's output:
	/// bit-exact for integers, within 1e-5 for floats.
	pub fn assert_output(&self, shape: &[u32], bytes: &[u8]) {
		assert_eq!(shape, &self.output_shape[..], "{}: output shape", self.model);
		match self.output_dtype.as_str() {
			"int32" => {
				let got: Vec<i32> = bytes
					.chunks_exact(4)
					.map(|c| i32::from_le_bytes(c.try_into().unwrap()))
					.collect();
				let want: Vec<i32> = self.output.iter().map(|x| *x as i32).collect();
				assert_eq!(got, want, "{}: integer outputs must be bit-exact", self.model);
			},
			"float32" => {
				let got: Vec<f32> = bytes
					.chunks_exact(4)
					.map(|c| f32::from_le_bytes(c.try_into().unwrap()))
					.collect();
				assert_eq!(got.len(), self.output.len(), "{}: output length", self.model);
				for (index, (got, want)) in got.iter().zip(&self.output).enumerate() {
					assert!(
						(*got as f64 - want).abs() <= 1e-5,
						"{}[{index}]: {got} vs onnxruntime {want}",
						self.model
					);
				}
			},
			other => panic!("unexpected output dtype {other}"),
		}
	}
}
