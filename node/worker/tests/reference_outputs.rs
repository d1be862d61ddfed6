//! The engine against onnxruntime in Python: each example model, on the inputs of
//! `scripts/models/expected/*.json`, must give what Python's onnxruntime gave (bit-exact
//! for the integer model, within 1e-5 for float ones). And every failure has its error.

use std::{collections::HashMap, path::PathBuf, sync::Arc};

use codec::Encode;
use sp_core::H256;
use verin_primitives::{
	model::{
		chunk_hash, content_id, content_id_of, offchain_chunk_key, offchain_manifest_key,
		ModelManifest, MODEL_CHUNK_SIZE,
	},
	tensor::{TensorData, TensorPayload},
};
use verin_testing::reference::{self, models_dir, Reference};
use verin_worker::{EngineConfig, OffchainGet, OrtEngine};
use verin_worker_primitives::InferenceError;

fn library() -> PathBuf {
	PathBuf::from(std::env::var("VERIN_ORT_LIBRARY").expect(
		"VERIN_ORT_LIBRARY names the ONNX Runtime library: run `bash scripts/setup.sh` and `source scripts/env.sh`",
	))
}

fn engine(model_dir: Option<PathBuf>, offchain: Option<OffchainGet>) -> OrtEngine {
	OrtEngine::new(
		EngineConfig { model_dir, cache_capacity: 2, ..EngineConfig::new(library()) },
		offchain,
	)
	.expect("ONNX Runtime loads")
}

fn expected_input(reference: &Reference) -> TensorPayload {
	vec![TensorData {
		shape: reference.input_shape.clone().try_into().unwrap(),
		data: reference.input_bytes.clone().try_into().unwrap(),
	}]
	.try_into()
	.unwrap()
}

fn model_id(file: &str) -> H256 {
	content_id_of(&std::fs::read(models_dir().join(file)).unwrap())
}

fn check_against_python(name: &str) {
	let reference = reference::load(name);
	let engine = engine(Some(models_dir()), None);
	let output = engine
		.run(model_id(&reference.model), &expected_input(&reference))
		.expect("the model runs");
	assert_eq!(output.len(), 1);
	reference.assert_output(&output[0].shape, &output[0].data);
}

#[test]
fn digits_float_matches_python_onnxruntime() {
	check_against_python("digits-mlp-f32");
}

#[test]
fn digits_integer_matches_python_onnxruntime_bit_for_bit() {
	check_against_python("digits-mlp-int8");
}

#[test]
fn intent_classifier_matches_python_onnxruntime() {
	check_against_python("intent-mlp-f32");
}

/// An in-memory offchain store holding `file` as the model registry indexes it.
fn store_with(file: &[u8], corrupt_chunk: bool) -> (H256, OffchainGet) {
	let chunks: Vec<&[u8]> = file.chunks(MODEL_CHUNK_SIZE as usize).collect();
	let hashes: Vec<H256> = chunks.iter().map(|c| chunk_hash(c)).collect();
	let id = content_id(file.len() as u64, &hashes);
	let mut store = HashMap::new();
	for (chunk, hash) in chunks.iter().zip(&hashes) {
		let mut bytes = chunk.to_vec();
		if corrupt_chunk {
			bytes[0] ^= 0xff;
		}
		store.insert(offchain_chunk_key(hash), bytes);
	}
	let manifest = ModelManifest { size: file.len() as u64, chunk_hashes: hashes };
	store.insert(offchain_manifest_key(&id), manifest.encode());
	(id, Arc::new(move |key: &[u8]| store.get(key).cloned()))
}

#[test]
fn models_are_rebuilt_from_the_offchain_store_and_verified() {
	let file = std::fs::read(models_dir().join("intent-mlp-f32.onnx")).unwrap();
	let input = expected_input(&reference::load("intent-mlp-f32"));
	let (id, store) = store_with(&file, false);
	assert_eq!(id, content_id_of(&file));
	assert!(engine(None, Some(store)).run(id, &input).is_ok());

	let (id, corrupt) = store_with(&file, true);
	assert_eq!(engine(None, Some(corrupt)).run(id, &input), Err(InferenceError::ContentMismatch));
	assert_eq!(engine(None, None).run(id, &input), Err(InferenceError::ModelNotFound));
}

#[test]
fn bytes_onnx_runtime_cannot_load_are_refused() {
	let (id, store) = store_with(b"these bytes are not an ONNX model", false);
	let input = expected_input(&reference::load("intent-mlp-f32"));
	assert_eq!(engine(None, Some(store)).run(id, &input), Err(InferenceError::LoadFailed));
}

#[test]
fn inputs_the_model_rejects_are_named() {
	let engine = engine(Some(models_dir()), None);
	let id = model_id("intent-mlp-f32.onnx");
	let tensor = |shape: Vec<u32>, len: usize| TensorData {
		shape: shape.try_into().unwrap(),
		data: vec![0; len].try_into().unwrap(),
	};
	let wrong_width: TensorPayload = vec![tensor(vec![1, 47], 47 * 4)].try_into().unwrap();
	assert_eq!(engine.run(id, &wrong_width), Err(InferenceError::ExecutionFailed));
	let ragged: TensorPayload = vec![tensor(vec![1, 48], 47 * 4)].try_into().unwrap();
	assert_eq!(engine.run(id, &ragged), Err(InferenceError::InvalidInput));
	assert_eq!(engine.run(id, &TensorPayload::default()), Err(InferenceError::InvalidInput));
}

#[test]
fn the_session_cache_is_bounded_and_keeps_serving() {
	let engine = engine(Some(models_dir()), None);
	for _ in 0..2 {
		for name in ["digits-mlp-f32", "digits-mlp-int8", "intent-mlp-f32"] {
			let reference = reference::load(name);
			assert!(
				engine.run(model_id(&reference.model), &expected_input(&reference)).is_ok(),
				"{name}"
			);
		}
	}
	// Every .onnx file of the directory is offered (the CNN too, which the loop above
	// does not run), however small the session cache.
	let on_disk = std::fs::read_dir(models_dir())
		.unwrap()
		.filter(|entry| entry.as_ref().unwrap().path().extension().is_some_and(|ext| ext == "onnx"))
		.count();
	assert_eq!(on_disk, 4, "the example models: three at genesis and the integer CNN");
	assert_eq!(engine.local_models().len(), on_disk);
}
