//! What the ZK tests share: the example models and the outputs Python's onnxruntime
//! computed for them (scripts/models/expected/*.json).

use std::path::PathBuf;

pub fn models_dir() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/models")
}

/// Input rows and output rows of `model` (e.g. `digits-cnn-int8`), one per example, each
/// flattened to the model's row.
pub fn reference(model: &str) -> (Vec<Vec<i64>>, Vec<Vec<i64>>) {
	let text =
		std::fs::read_to_string(models_dir().join(format!("expected/{model}.json"))).unwrap();
	let json: serde_json::Value = serde_json::from_str(&text).unwrap();
	let rows = |part: &str| -> Vec<Vec<i64>> {
		let shape: Vec<usize> = json[part]["shape"]
			.as_array()
			.unwrap()
			.iter()
			.map(|d| d.as_u64().unwrap() as usize)
			.collect();
		let data: Vec<i64> =
			json[part]["data"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
		data.chunks(shape[1..].iter().product()).map(|row| row.to_vec()).collect()
	};
	(rows("input"), rows("output"))
}
